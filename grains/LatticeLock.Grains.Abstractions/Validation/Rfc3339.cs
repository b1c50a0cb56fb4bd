using System.Globalization;

namespace LatticeLock.Grains.Abstractions.Validation;

/// <summary>The one reading of timestamps, in HTTP bodies, query strings and CLI options alike: RFC 3339 with an explicit offset.</summary>
public static class Rfc3339
{
    /// <summary>False for anything without an offset: "2026-11-23T10:00:00" could be any time zone.</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }
}
