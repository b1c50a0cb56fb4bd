using LatticeLock.Storage;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// The PostgreSQL connection string Orleans' ADO.NET providers get, checked while the silo is being built: Orleans
/// would otherwise reject a missing one first, with a message that names its own option rather than ours.
/// </summary>
public static class ValidatedPostgresConnectionString
{
    /// <summary>The normalised connection string; throws <see cref="OptionsValidationException"/> naming <c>ConnectionStrings__postgres</c>.</summary>
    public static string Read(IConfiguration configuration)
    {
        var database = new DatabaseOptions { ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName) };
        var check = new DatabaseOptionsValidator().Validate(null, database);
        if (check.Failed) throw new OptionsValidationException(DatabaseOptions.SettingName, typeof(DatabaseOptions), check.Failures);
        return PostgresConnectionString.Normalize(database.ConnectionString!);
    }
}
