using Microsoft.Extensions.Options;

namespace LatticeLock.Storage;

/// <summary>Fails start-up with a message naming the setting when the PostgreSQL connection string is missing or malformed.</summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            return ValidateOptionsResult.Fail($"{DatabaseOptions.SettingName} is not set: LatticeLock needs a PostgreSQL connection string (e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=lattice, or a postgres:// URL)");
        try
        {
            var normalized = PostgresConnectionString.Normalize(options.ConnectionString);
            return ConnectionBudget.SetsPoolSize(normalized)
                ? ValidateOptionsResult.Fail($"{DatabaseOptions.SettingName} sets a pool size (Maximum Pool Size); pool sizes come from the connection budget {ConnectionBudget.Section}:MaxConnections and {ConnectionBudget.Section}:OrleansConnections instead: remove it from the connection string")
                : ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            return ValidateOptionsResult.Fail($"{DatabaseOptions.SettingName} is not a valid PostgreSQL connection string: {e.Message}");
        }
    }
}
