using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.IntegrationTests;

/// <summary>Grain behaviour on a two-silo TestingHost cluster with real PostgreSQL underneath.</summary>
[Collection(ServersCollection.Name)]
public sealed class GrainBehaviourTests(ServersFixture servers)
{
    [Fact]
    public async Task Users_are_created_updated_and_soft_deleted()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var id = Guid.NewGuid();
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(id);
        var created = await user.Create(new CreateUser($"Ada-{id:N}@Example.com", "Ada"));
        Assert.Equal("Ada", created.Name);
        Assert.Equal(created, await user.Create(new CreateUser($"ada-{id:N}@example.com", "Ada"))); // retried create

        var updated = await user.UpdateProfile(new UpdateUserProfile(null, "Ada Lovelace"));
        Assert.Equal("Ada Lovelace", updated.Name);
        Assert.Equal("Ada Lovelace", await db.ScalarAsync<string>("SELECT name FROM users WHERE id = $1", id));

        await user.Delete();
        await Assert.ThrowsAsync<NotFoundException>(() => user.Get());
        Assert.True(await db.ScalarAsync<bool>("SELECT is_deleted FROM users WHERE id = $1", id));
    }

    [Fact]
    public async Task Email_is_unique_ignoring_case_across_the_cluster()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var email = $"Race-{Guid.NewGuid():N}@Example.com";
        var ids = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        var attempts = ids.Select(async (id, i) =>
        {
            try
            {
                await cluster.GrainFactory.GetGrain<IUserGrain>(id).Create(new CreateUser(i % 2 == 0 ? email : email.ToUpperInvariant(), null));
                return true;
            }
            catch (ConflictException e) when (e.Field == "email")
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(ok => ok));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM users WHERE lower(email) = lower($1)", email));
        foreach (var (id, ok) in ids.Zip(results).Where(p => !p.Second))
            await Assert.ThrowsAsync<NotFoundException>(() => cluster.GrainFactory.GetGrain<IUserGrain>(id).Get());
    }

    [Fact]
    public async Task A_stale_project_version_is_rejected_and_nothing_is_written()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var owner = await Scenario.NewUserAsync(cluster.GrainFactory);
        var id = Guid.NewGuid();
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(id);
        var v1 = await project.Create(new CreateProject(owner, "orchestrator", "/src/orchestrator"));
        Assert.Equal(1, v1.Version);
        var v2 = await project.Update(new UpdateProject(1, "orchestrator-v2", null, ProjectStatus.Healthy));
        Assert.Equal(2, v2.Version);

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => project.Update(new UpdateProject(1, "lost update", null, null)));
        Assert.Equal("version", conflict.Field);
        var row = (await db.RowsAsync("SELECT name, version, status FROM projects WHERE id = $1", id)).Single();
        Assert.Equal(new object?[] { "orchestrator-v2", 2, "healthy" }, row);

        var v3 = await project.SetValidationStatus(ValidationKind.Sheriff, ValidationStatus.Failed);
        Assert.Equal(3, v3.Version);
        Assert.NotNull(v3.LastValidated);
        var errorId = await project.RecordError(new ProjectErrorReport("lint", "unused import", "warning", "a.py", 3));
        Assert.True(errorId > 0);
        Assert.Equal(new object?[] { "failed", 3, 1L },
            (await db.RowsAsync("SELECT sheriff_status, version, (SELECT count(*) FROM project_errors WHERE project_id = $1) FROM projects WHERE id = $1", id)).Single());

        await project.Delete();
        await Assert.ThrowsAsync<NotFoundException>(() => project.Get());
    }

    [Fact]
    public async Task A_thousand_concurrent_requests_over_fifty_sessions_make_exactly_a_thousand_rows_and_matching_totals()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var user = await Scenario.NewUserAsync(cluster.GrainFactory);
        var sessions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Scenario.NewSessionAsync(cluster.GrainFactory, user)));
        var models = new[] { "gpt-4o", "claude-sonnet-4", "gemini-2.5-pro" };

        var acks = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i =>
            cluster.GrainFactory.GetGrain<ISessionGrain>(sessions[i % 50]).RecordModelRequest(
                Scenario.Request(models[i % 3], input: i, output: i % 7, inputCost: i * 0.00000123m, outputCost: 0.00000001m))));
        Assert.All(acks, a => Assert.False(a.WasDuplicate));

        Assert.Equal(1000L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE user_id = $1", user));
        foreach (var sessionId in sessions)
        {
            var summary = await cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId).GetSummary();
            var sums = (await db.RowsAsync(
                "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(total_cost_usd) FROM model_requests WHERE session_id = $1", sessionId)).Single();
            Assert.Equal(20L, summary.RequestCount);
            Assert.Equal(sums, new object?[] { summary.RequestCount, summary.InputTokens, summary.OutputTokens, summary.TotalCostUsd });
            Assert.Equal(models.Order(StringComparer.Ordinal), summary.Models.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_repeated_request_id_is_stored_and_counted_once()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        var request = Scenario.Request(inputCost: 0.5m, outputCost: 0.25m);

        Assert.False((await session.RecordModelRequest(request)).WasDuplicate);
        Assert.True((await session.RecordModelRequest(request)).WasDuplicate);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => session.RecordModelRequest(request)));
        Assert.All(concurrent, a => Assert.True(a.WasDuplicate));

        var racing = Scenario.Request(inputCost: 1m, outputCost: 0m);
        var raced = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => session.RecordModelRequest(racing)));
        Assert.Equal(1, raced.Count(a => !a.WasDuplicate));

        var summary = await session.GetSummary();
        Assert.Equal(2, summary.RequestCount);
        Assert.Equal(1.75m, summary.TotalCostUsd);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", sessionId));
    }

    [Fact]
    public async Task Concurrent_turn_appends_get_distinct_gapless_sequence_numbers_in_order()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var chatId = await Scenario.NewChatAsync(cluster.GrainFactory, await Scenario.NewSessionAsync(cluster.GrainFactory));
        var chat = cluster.GrainFactory.GetGrain<IChatGrain>(chatId);

        var seqs = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            chat.AppendTurn(new AppendTurn(i % 2 == 0 ? TurnRole.User : TurnRole.Assistant, $"turn {i}", "gpt-4o", "openai", i, 0))));
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), seqs.Order());

        var stored = await db.RowsAsync("SELECT seq, content FROM chat_turns WHERE chat_id = $1 ORDER BY seq", chatId);
        Assert.Equal(300, stored.Count);
        // The turn that got seq N is the one whose content was stored under N.
        for (var i = 0; i < 300; i++) Assert.Equal($"turn {i}", stored.Single(r => (long)r[0]! == seqs[i])[1]);

        var last = await chat.GetLastTurns(5);
        Assert.Equal([296L, 297, 298, 299, 300], last.Select(t => t.Seq));
        var early = await chat.GetTurnsAfter(10, 3); // older than the in-memory window: read from PostgreSQL
        Assert.Equal([11L, 12, 13], early.Select(t => t.Seq));
        var all = await chat.GetLastTurns(1000);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), all.Select(t => t.Seq));
        Assert.Equal(300, (await chat.Get()).TurnCount);
    }

    [Fact]
    public async Task Ending_a_session_under_concurrent_records_counts_exactly_what_was_acknowledged()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);

        var records = Enumerable.Range(0, 300).Select(async i =>
        {
            if (i == 150) await session.End();
            try { return await session.RecordModelRequest(Scenario.Request()); }
            catch (ConflictException e) when (e.Field == "session_id") { return null; }
        }).ToList();
        var acks = await Task.WhenAll(records);
        var acknowledged = acks.Count(a => a is not null);

        var summary = await session.GetSummary();
        Assert.Equal(SessionStatus.Ended, summary.Status);
        Assert.Equal(acknowledged, summary.RequestCount);
        Assert.Equal((long)acknowledged, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", sessionId));
        await Assert.ThrowsAsync<ConflictException>(() => session.RecordModelRequest(Scenario.Request()));

        // A client's retry of a request acknowledged before the end is still recognised, not refused, and counts once.
        var stored = Scenario.Request(input: 7, output: 3, inputCost: 0.001m, outputCost: 0.002m);
        var other = await Scenario.NewSessionAsync(cluster.GrainFactory);
        Assert.False((await cluster.GrainFactory.GetGrain<ISessionGrain>(other).RecordModelRequest(stored)).WasDuplicate);
        await cluster.GrainFactory.GetGrain<ISessionGrain>(other).End();
        var retry = await cluster.GrainFactory.GetGrain<ISessionGrain>(other).RecordModelRequest(stored);
        Assert.True(retry.WasDuplicate);
        Assert.Equal((0.001m, 0.002m), (retry.InputCostUsd, retry.OutputCostUsd));
        Assert.Equal(1L, (await cluster.GrainFactory.GetGrain<ISessionGrain>(other).GetSummary()).RequestCount);
        // The same id sent to another ended session is not that session's request: refused.
        await Assert.ThrowsAsync<ConflictException>(() => session.RecordModelRequest(stored));
    }

    [Fact]
    public async Task A_grain_reads_its_row_on_activation_and_writes_nothing_else()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var owner = await Scenario.NewUserAsync(cluster.GrainFactory);
        var id = Guid.NewGuid();
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(id);
        await project.Create(new CreateProject(owner, "before", null));

        // The row is the project's only store: a change made to it is what the next activation serves.
        await db.ScalarAsync<int>("UPDATE projects SET name = 'after', version = 2 WHERE id = $1 RETURNING version", id);
        await cluster.DeactivateAsync(project);

        var reloaded = await project.Get();
        Assert.Equal(("after", 2), (reloaded.Name, reloaded.Version));
        Assert.Equal(3, (await project.Update(new UpdateProject(2, "next", null, null))).Version);
        Assert.Equal(("next", 3), ((string)(await db.RowsAsync("SELECT name FROM projects WHERE id = $1", id))[0][0]!,
            await db.ScalarAsync<int>("SELECT version FROM projects WHERE id = $1", id)));
    }

    [Fact]
    public async Task A_stale_activation_cannot_overwrite_a_newer_row()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var userId = await Scenario.NewUserAsync(cluster.GrainFactory);
        var user = cluster.GrainFactory.GetGrain<IUserGrain>(userId);
        await user.Get();

        // Another writer (a second activation during a membership change, or the CLI) moves the row on.
        await db.ScalarAsync<int>("UPDATE users SET name = 'other writer', version = version + 1 WHERE id = $1 RETURNING version", userId);

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => user.UpdateProfile(new UpdateUserProfile(null, "stale write")));
        Assert.Equal("version", conflict.Field);
        Assert.Equal("other writer", (string)(await db.RowsAsync("SELECT name FROM users WHERE id = $1", userId))[0][0]!);
        // The grain adopted the stored row, so a retry applies on top of it.
        Assert.Equal("other writer", (await user.Get()).Name);
        Assert.Equal("retried", (await user.UpdateProfile(new UpdateUserProfile(null, "retried"))).Name);
        Assert.Equal(3, await db.ScalarAsync<int>("SELECT version FROM users WHERE id = $1", userId));

        // Same for a session's end and a project's change.
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory, userId);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        await db.ScalarAsync<int>("UPDATE sessions SET version = version + 1 WHERE id = $1 RETURNING version", sessionId);
        Assert.Equal("version", (await Assert.ThrowsAsync<ConflictException>(() => session.End())).Field);
        Assert.Equal("active", (string)(await db.RowsAsync("SELECT status FROM sessions WHERE id = $1", sessionId))[0][0]!);
        Assert.Equal(SessionStatus.Ended, (await session.End()).Status);
    }

    [Fact]
    public async Task Creating_entities_writes_their_rows_and_no_grain_state()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var before = await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage WHERE graintypestring IN ('user', 'session', 'chat', 'project')");
        var (projectId, sessionId) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        var chatId = await Scenario.NewChatAsync(cluster.GrainFactory, sessionId);

        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM projects WHERE id = $1 AND version = 1", projectId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE id = $1 AND version = 1", sessionId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM chats WHERE id = $1", chatId));
        Assert.Equal(before, await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage WHERE graintypestring IN ('user', 'session', 'chat', 'project')"));
    }

    [Fact]
    public async Task Reservation_state_rows_carry_no_type_names()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var (projectId, _) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(projectId);
        await project.SetBudget(new BudgetSettings(100m, [80], null));
        var reservation = await project.Reserve(new ReserveBudget(1.25m, 600));
        // A reservation is a row of its own (no Orleans grain state is left), committed before it was acknowledged.
        Assert.Equal(1.25m, await db.ScalarAsync<decimal>("SELECT estimated_cost_usd FROM budget_reservations WHERE project_id = $1 AND id = $2", projectId, reservation.ReservationId));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansstorage"));
        await project.ReleaseReservation(reservation.ReservationId);
        // Released: no longer live; its row stays (ended) so a retry of its id is recognised.
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM budget_reservations WHERE project_id = $1 AND ended_at IS NULL", projectId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM budget_reservations WHERE project_id = $1 AND ended_at IS NOT NULL", projectId));
    }
}
