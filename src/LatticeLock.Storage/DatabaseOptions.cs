namespace LatticeLock.Storage;

/// <summary>Where LatticeLock's PostgreSQL lives. Bound from <c>ConnectionStrings:postgres</c> (env <c>ConnectionStrings__postgres</c>).</summary>
public sealed class DatabaseOptions
{
    public const string ConnectionStringName = "postgres";
    public const string SettingName = "ConnectionStrings__postgres";

    /// <summary>An Npgsql connection string or a postgres:// URL.</summary>
    public string? ConnectionString { get; set; }
}
