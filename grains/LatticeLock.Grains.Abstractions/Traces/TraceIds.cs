using LatticeLock.Grains.Abstractions.Errors;

namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>W3C trace and span ids as LatticeLock stores them: lowercase hex, 32 and 16 digits, not all zero.</summary>
public static class TraceIds
{
    /// <summary>The id in lowercase, or <see cref="InvalidFieldException"/> naming <paramref name="field"/>.</summary>
    public static string Normalize(string? traceId, string field)
    {
        if (!IsValid(traceId, 32)) throw new InvalidFieldException(field, "must be a W3C trace id: 32 hexadecimal digits, not all zero");
        return traceId!.ToLowerInvariant();
    }

    public static bool IsValid(string? id, int digits) =>
        id is not null && id.Length == digits && id.All(Uri.IsHexDigit) && id.Any(c => c != '0');

    /// <summary>Raw id bytes (as OTLP protobuf carries them) as lowercase hex, or null when the length is wrong or all bytes are zero.</summary>
    public static string? FromBytes(ReadOnlySpan<byte> id, int length) =>
        id.Length == length && id.ContainsAnyExcept((byte)0) ? Convert.ToHexStringLower(id) : null;
}
