using System.Data.Common;
using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// How Orleans' ADO.NET providers (reminders, clustering) find Npgsql: by this invariant name, in
/// <see cref="DbProviderFactories"/>. One name for the silo, its tools and tests, so they cannot drift apart.
/// </summary>
public static class PostgresAdoNetProvider
{
    public const string Invariant = "Npgsql";

    /// <summary>Makes <see cref="Invariant"/> resolvable; registering again is harmless.</summary>
    public static void Register() => DbProviderFactories.RegisterFactory(Invariant, NpgsqlFactory.Instance);
}
