namespace LatticeLock.Silo.Http;

/// <summary>An HTTP failure with its status and, for bad values, the field it concerns; rendered as problem+json.</summary>
public sealed class ApiProblem(int status, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string? Field { get; } = field;

    public static ApiProblem BadRequest(string field, string detail) => new(StatusCodes.Status400BadRequest, detail, field);
    public static ApiProblem Forbidden(string detail) => new(StatusCodes.Status403Forbidden, detail);
    public static ApiProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);
}
