using System.Text;
using LatticeLock.Storage.Migrations;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Migration 18 moves live budget reservations out of Orleans grain storage (the last grain state) into
/// <c>budget_reservations</c>: the project id is read back from Orleans' ADO.NET key columns, live ones are kept,
/// expired ones dropped, and the grain state rows removed.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ReservationMigrationTests(ServersFixture servers)
{
    private const int BudgetReservations = 18;

    [Fact]
    public async Task Live_reservations_in_grain_state_move_to_their_table_keyed_by_the_project_orleans_stored()
    {
        var cs = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var runner = new MigrationRunner(dataSource);
        await runner.UpAsync(BudgetReservations - 1);

        // A grain state row as Orleans' ADO.NET storage writes one for a Guid-keyed grain: the key's byte form split
        // into two little-endian 64-bit halves (its AdoGrainKey), the state as our camelCase JSON.
        var project = Guid.NewGuid();
        var (live, expired) = (Guid.NewGuid(), Guid.NewGuid());
        var bytes = project.ToByteArray();
        var json = $$"""{"reservations":[{"id":"{{live}}","estimatedCostUsd":2.5,"expiresAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}","grantedAt":"{{DateTimeOffset.UtcNow:O}}"},{"id":"{{expired}}","estimatedCostUsd":1,"expiresAt":"{{DateTimeOffset.UtcNow.AddHours(-1):O}}"}]}""";
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
            VALUES (1, $1, $2, 2, 'project', NULL, 'lattice', $3, now() AT TIME ZONE 'UTC', 1)
            """))
        {
            insert.Parameters.AddWithValue(BitConverter.ToInt64(bytes, 0));
            insert.Parameters.AddWithValue(BitConverter.ToInt64(bytes, 8));
            insert.Parameters.AddWithValue(Encoding.UTF8.GetBytes(json));
            await insert.ExecuteNonQueryAsync();
        }

        await runner.UpAsync();
        await using var db = new Db(cs);
        var rows = await db.RowsAsync("SELECT project_id, id, estimated_cost_usd, granted_at IS NOT NULL FROM budget_reservations");
        var row = Assert.Single(rows);
        Assert.Equal((project, live, 2.5m, true), ((Guid)row[0]!, (Guid)row[1]!, (decimal)row[2]!, (bool)row[3]!));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage"));
    }
}
