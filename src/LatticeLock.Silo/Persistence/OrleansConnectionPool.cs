using LatticeLock.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Sizes the pool of Orleans' ADO.NET providers (reminders, clustering: one Npgsql pool, since they
/// share a connection string) by <see cref="ConnectionBudget.OrleansConnections"/>, whether the silo configured them or
/// the <c>Orleans</c> section did. Without it each would default to Npgsql's 100 connections. A multi-host string is
/// pinned to the primary (<see cref="PostgresDataSources.ForPrimary"/>).
/// </summary>
public sealed class OrleansConnectionPool(IOptions<ConnectionBudget> budget) :
    IPostConfigureOptions<AdoNetReminderTableOptions>,
    IPostConfigureOptions<AdoNetClusteringSiloOptions>
{
    public void PostConfigure(string? name, AdoNetReminderTableOptions options) => options.ConnectionString = Sized(options.ConnectionString);

    public void PostConfigure(string? name, AdoNetClusteringSiloOptions options) => options.ConnectionString = Sized(options.ConnectionString);

    // With several hosts, pinned to the primary: membership and reminders are writes.
    private string Sized(string? connectionString) =>
        string.IsNullOrWhiteSpace(connectionString) ? connectionString! : PostgresDataSources.ForPrimary(budget.Value.ForOrleans(connectionString));
}
