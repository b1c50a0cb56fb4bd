namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>A value sent to LatticeLock broke a rule; nothing was written. <see cref="Field"/> names the offending field (snake_case, as on the wire).</summary>
[GenerateSerializer, Alias("ll.InvalidFieldException")]
public sealed class InvalidFieldException : Exception
{
    public InvalidFieldException(string field, string message) : base($"{field}: {message}")
    {
        Field = field;
        Reason = message;
    }

    [Id(0)] public string Field { get; }
    [Id(1)] public string Reason { get; }
}
