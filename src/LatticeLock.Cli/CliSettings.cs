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

    /// <summary>Builds the data source, or throws <see cref="CliException"/> naming the setting.</summary>
    public static NpgsqlDataSource OpenDataSource(IConfiguration configuration)
    {
        var options = new DatabaseOptions { ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName) };
        var result = new DatabaseOptionsValidator().Validate(null, options);
        if (result.Failed) throw new CliException(result.FailureMessage);
        return NpgsqlDataSource.Create(PostgresConnectionString.Normalize(options.ConnectionString!));
    }
}
