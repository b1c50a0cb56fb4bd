using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Projects;

namespace LatticeLock.IntegrationTests;

/// <summary>Orleans' ADO.NET clustering and reminders running on the tables our migrations create; reservations in their own table.</summary>
[Collection(ServersCollection.Name)]
public sealed class OrleansProviderTests(ServersFixture servers)
{
    [Fact]
    public async Task Silos_join_through_membership_rows_keep_grain_state_and_fire_reminders()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        var clusterId = "providers-" + Guid.NewGuid().ToString("N")[..6];
        await using var cluster = await LatticeCluster.StartAsync(database, clusterId: clusterId);

        // Membership: both silos are rows with status Active (3) in our OrleansMembershipTable.
        Assert.Equal(2L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 3", clusterId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansmembershipversiontable WHERE deploymentid = $1", clusterId));

        // Reservations: a row in budget_reservations (no Orleans grain state), read back after the activation is gone.
        var (projectId, _) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(projectId);
        await project.SetBudget(new BudgetSettings(10m, [50], null));
        await project.Reserve(new ReserveBudget(2m, 600));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM budget_reservations WHERE project_id = $1", projectId));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage"));
        await cluster.DeactivateAsync(project);
        var budget = await cluster.GrainFactory.GetGrain<IProjectGrain>(projectId).GetBudget();
        Assert.Equal((2m, 1), (budget.ReservedUsd, budget.ActiveReservations));

        // Reminders: a reminder registered through our reminder table fires.
        var probe = cluster.GrainFactory.GetGrain<IReminderProbeGrain>(Guid.NewGuid());
        await probe.Arm();
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE remindername = 'probe'"));
        Assert.True(await Eventually.Until(probe.Ticks, ticks => ticks > 0, TimeSpan.FromSeconds(60)) > 0, "the reminder never fired");
        await probe.Disarm();
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE remindername = 'probe'"));
    }
}
