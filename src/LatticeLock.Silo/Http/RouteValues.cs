using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Silo.Http;

/// <summary>Route and query values, checked with the same rules as bodies.</summary>
public static class RouteValues
{
    public static Guid Id(string value, string field = "id")
    {
        if (!Guid.TryParse(value, out var id)) throw ApiProblem.BadRequest(field, $"{field}: must be a UUID");
        return Require.Id(id, field);
    }

    /// <summary>A W3C trace id (32 hex digits, not all zero), lowercased; 400 otherwise.</summary>
    public static string TraceId(string value, string field = "trace_id")
    {
        if (!LatticeLock.Grains.Abstractions.Traces.TraceIds.IsValid(value, 32))
            throw ApiProblem.BadRequest(field, $"{field}: must be a W3C trace id: 32 hexadecimal digits, not all zero");
        return value.ToLowerInvariant();
    }

    public static int? OptionalInt(HttpRequest request, string name, int min, int max)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0) return null;
        if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw ApiProblem.BadRequest(name, $"{name}: must be an integer between {min} and {max}");
        return value;
    }

    public static long? OptionalLong(HttpRequest request, string name, long min)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0) return null;
        if (!long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min)
            throw ApiProblem.BadRequest(name, $"{name}: must be an integer >= {min}");
        return value;
    }
}
