using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Storage.Migrations;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>Migration 8 (one store per entity) upgrades a version 7 database with its data intact, and down reverses it.</summary>
[Collection(ServersCollection.Name)]
public sealed class OneStorePerEntityMigrationTests(ServersFixture servers)
{
    private const int OneStorePerEntity = 8;

    [Fact]
    public async Task A_version_7_database_reads_back_after_the_upgrade_and_down_reverses_it()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var runner = new MigrationRunner(dataSource);

        // Data written through the grains: a project with a budget and a live reservation, a session with a request, a chat.
        Guid ownerId, projectId, sessionId, chatId, reservationId;
        await using (var cluster = await LatticeCluster.StartAsync(database, silos: 1))
        {
            var grains = cluster.GrainFactory;
            (projectId, sessionId) = await Scenario.NewProjectSessionAsync(grains);
            ownerId = (await grains.GetGrain<IProjectGrain>(projectId).Get()).OwnerId;
            await grains.GetGrain<IProjectGrain>(projectId).SetBudget(new BudgetSettings(50m, [90], null));
            reservationId = (await grains.GetGrain<IProjectGrain>(projectId).Reserve(new ReserveBudget(4m, 3600))).ReservationId;
            await grains.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Scenario.Request(input: 1000, output: 10));
            chatId = await Scenario.NewChatAsync(grains, sessionId);
            await grains.GetGrain<IChatGrain>(chatId).AppendTurn(new AppendTurn(TurnRole.User, "hello", null, null, null, null));
        }

        // Back to version 7: the version columns go, the rows stay.
        await runner.DownAsync(OneStorePerEntity - 1);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name IN ('users', 'sessions') AND column_name = 'version'"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE id = $1", sessionId));

        // What version 7's grains wrote: a user, session and chat inserted as rows plus JSON copies, and the project's
        // copy holding the whole project besides its reservations.
        var v7User = Guid.NewGuid();
        var v7Session = Guid.NewGuid();
        await db.ScalarAsync<int>("INSERT INTO users (id, email, name) VALUES ($1, 'v7@example.com', 'Seven') RETURNING 1", v7User);
        await db.ScalarAsync<int>("INSERT INTO sessions (id, user_id, metadata) VALUES ($1, $2, '{\"from\":\"v7\"}') RETURNING 1", v7Session, v7User);
        foreach (var stateName in new[] { "user", "session", "chat" })
        {
            await db.ScalarAsync<int>("""
                INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, serviceid, payloadbinary, modifiedon, version)
                VALUES (1, 2, 3, 4, $1, 'lattice-tests', convert_to('{"createdAt":"2026-01-01T00:00:00+00:00"}', 'UTF8'), now(), 1) RETURNING 1
                """, stateName);
        }
        // The project's copy as version 7's grain storage held it (Orleans' key columns for its Guid, the whole project
        // besides its reservations as JSON); going down past migration 18 dropped the reservations' table.
        var key = projectId.ToByteArray();
        await db.ScalarAsync<int>("""
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, serviceid, payloadbinary, modifiedon, version)
            VALUES (5, $2, $3, 6, 'project', 'lattice-tests', convert_to(jsonb_build_object(
                'ownerId', $1::text, 'name', 'project', 'status', 'unknown', 'version', 1,
                'reservations', jsonb_build_array(jsonb_build_object('id', $4::text, 'estimatedCostUsd', 4, 'expiresAt', (now() + interval '1 hour')::text)))::text, 'UTF8'),
                now(), 1) RETURNING 1
            """, ownerId, BitConverter.ToInt64(key, 0), BitConverter.ToInt64(key, 8), reservationId);

        // Up to head: the copies of rows are gone, the live reservation moved to its table (migration 18), every row
        // has a version.
        await runner.UpAsync();
        Assert.Equal(MigrationCatalog.Head, await runner.CurrentVersionAsync());
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM budget_reservations WHERE project_id = $1 AND id = $2", projectId, reservationId));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM users WHERE version <> 1"));

        await using (var cluster = await LatticeCluster.StartAsync(database, silos: 1))
        {
            var grains = cluster.GrainFactory;
            Assert.Equal(("v7@example.com", "Seven"), ((await grains.GetGrain<IUserGrain>(v7User).Get()).Email, (await grains.GetGrain<IUserGrain>(v7User).Get()).Name));
            Assert.Equal("Renamed", (await grains.GetGrain<IUserGrain>(v7User).UpdateProfile(new UpdateUserProfile(null, "Renamed"))).Name);
            Assert.Equal(2, await db.ScalarAsync<int>("SELECT version FROM users WHERE id = $1", v7User));

            var v7Summary = await grains.GetGrain<ISessionGrain>(v7Session).GetSummary();
            Assert.Equal((v7User, SessionStatus.Active, """{"from": "v7"}"""), (v7Summary.UserId, v7Summary.Status, v7Summary.MetadataJson));

            var summary = await grains.GetGrain<ISessionGrain>(sessionId).GetSummary();
            Assert.Equal((projectId, 1L, 1000L, 10L), (summary.ProjectId!.Value, summary.RequestCount, summary.InputTokens, summary.OutputTokens));
            Assert.Equal(SessionStatus.Ended, (await grains.GetGrain<ISessionGrain>(sessionId).End()).Status);

            var chat = await grains.GetGrain<IChatGrain>(chatId).Get();
            Assert.Equal((sessionId, 1L), (chat.SessionId, chat.TurnCount));

            var project = await grains.GetGrain<IProjectGrain>(projectId).Get();
            Assert.Equal((ownerId, "project", 1), (project.OwnerId, project.Name, project.Version));
            var budget = await grains.GetGrain<IProjectGrain>(projectId).GetBudget();
            Assert.Equal((50m, 4m, 1), (budget.MonthlyUsd, budget.ReservedUsd, budget.ActiveReservations));
            await grains.GetGrain<IProjectGrain>(projectId).ReleaseReservation(reservationId);
        }

        // And down once more from the upgraded data.
        await runner.DownAsync(OneStorePerEntity - 1);
        Assert.Equal("Renamed", (string)(await db.RowsAsync("SELECT name FROM users WHERE id = $1", v7User))[0][0]!);
        Assert.Equal("ended", (string)(await db.RowsAsync("SELECT status FROM sessions WHERE id = $1", sessionId))[0][0]!);
    }
}
