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

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            throw new ArgumentException("not a valid postgres:// URL");
        var builder = new NpgsqlConnectionStringBuilder();
        if (!string.IsNullOrEmpty(uri.Host)) builder.Host = uri.Host;
        if (uri.Port > 0) builder.Port = uri.Port;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
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
