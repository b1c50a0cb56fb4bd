using Npgsql;

namespace LatticeLock.Storage;

/// <summary>Accepts an Npgsql connection string or a <c>postgres://</c> / <c>postgresql://</c> URL (seed 002) and returns an Npgsql connection string.</summary>
public static class PostgresConnectionString
{
    public static string Normalize(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        value = value.Trim();
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString; // throws ArgumentException on bad keys
        }

        // Parsed by hand: System.Uri rejects valid libpq forms such as an empty host with ?host=/socket/dir.
        var rest = value[(value.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        var q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        var database = "";
        var slash = rest.IndexOf('/');
        if (slash >= 0) { database = Uri.UnescapeDataString(rest[(slash + 1)..]); rest = rest[..slash]; }
        var builder = new NpgsqlConnectionStringBuilder();
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var parts = rest[..at].Split(':', 2);
            if (parts[0].Length > 0) builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
            rest = rest[(at + 1)..];
        }
        if (rest.Length > 0)
        {
            var colon = rest.LastIndexOf(':');
            if (colon > 0 && !rest.EndsWith(']') && int.TryParse(rest[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                builder.Port = port;
                rest = rest[..colon];
            }
            builder.Host = Uri.UnescapeDataString(rest.Trim('[', ']'));
        }
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (key.ToLowerInvariant())
            {
                case "sslmode": builder["SSL Mode"] = val; break;
                case "host": builder.Host = val; break; // Unix socket folder, e.g. /cloudsql/...
                case "application_name": builder.ApplicationName = val; break;
                case "connect_timeout": builder.Timeout = int.Parse(val, System.Globalization.CultureInfo.InvariantCulture); break;
                default: builder[key] = val; break;
            }
        }
        if (string.IsNullOrEmpty(builder.Host)) throw new ArgumentException("the URL names no host");
        return builder.ConnectionString;
    }
}
