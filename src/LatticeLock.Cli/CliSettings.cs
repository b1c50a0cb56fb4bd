using LatticeLock.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LatticeLock.Cli;

/// <summary>The CLI reads the same settings as the silo: environment variables (ConnectionStrings__postgres, …) and appsettings.json.</summary>
public static class CliSettings
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>
    /// Builds the data sources (the primary, and a standby for reports when several hosts are listed), or throws
    /// <see cref="CliException"/> naming the setting.
    /// </summary>
    public static PostgresDataSources OpenDataSources(IConfiguration configuration)
    {
        var options = new DatabaseOptions { ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName) };
        var result = new DatabaseOptionsValidator().Validate(null, options);
        if (result.Failed) throw new CliException(result.FailureMessage);
        return new PostgresDataSources(PostgresConnectionString.Normalize(options.ConnectionString!));
    }

    /// <summary>
    /// The primary's data source (writes, and reads of what was just written). With several hosts the shared pools
    /// live until the process exits, which for a CLI command is moments later.
    /// </summary>
    public static NpgsqlDataSource OpenDataSource(IConfiguration configuration) => OpenDataSources(configuration).Primary;
}
