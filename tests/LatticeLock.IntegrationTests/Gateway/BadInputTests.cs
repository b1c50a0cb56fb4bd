using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.IntegrationTests;

/// <summary>Every bad input is refused at the grain boundary with the field named, and leaves the database untouched.</summary>
[Collection(ServersCollection.Name)]
public sealed class BadInputTests(ServersFixture servers)
{
    private const string CountEverything = """
        SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM projects) + (SELECT count(*) FROM project_errors)
             + (SELECT count(*) FROM sessions) + (SELECT count(*) FROM chats) + (SELECT count(*) FROM chat_turns)
             + (SELECT count(*) FROM model_requests) + (SELECT count(*) FROM orleansstorage)
        """;

    [Fact]
    public async Task Bad_model_requests_are_rejected_and_nothing_is_written()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        var cases = new (string Field, ModelRequestRecord Request)[]
        {
            ("id", Scenario.Request() with { Id = Guid.Empty }),
            ("input_tokens", Scenario.Request(input: -1)),
            ("output_tokens", Scenario.Request(output: -10)),
            ("input_cost_usd", Scenario.Request(inputCost: -0.01m)),
            ("output_cost_usd", Scenario.Request(outputCost: -1m)),
            ("model_id", Scenario.Request(model: "")),
            ("provider", Scenario.Request() with { Provider = " " }),
            ("status", Scenario.Request() with { Status = (ModelRequestStatus)7 }),
            ("error_message", Scenario.Request() with { ErrorMessage = new string('x', Limits.TextMaxLength + 1) }),
            ("metadata", Scenario.Request() with { MetadataJson = "{\"unterminated\": " }),
            ("chat_id", Scenario.Request() with { ChatId = Guid.NewGuid() }),
            // More than the allowed clock skew (5 minutes) ahead of the silo's clock.
            ("requested_at", Scenario.Request() with { RequestedAt = DateTimeOffset.UtcNow.AddMinutes(30), RespondedAt = null }),
        };
        foreach (var (field, request) in cases)
        {
            var error = await Assert.ThrowsAsync<InvalidFieldException>(() => session.RecordModelRequest(request));
            Assert.Equal(field, error.Field);
        }
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", sessionId));
        Assert.Equal(0, (await session.GetSummary()).RequestCount);
        // Within the skew a client clock running ahead is accepted.
        Assert.False((await session.RecordModelRequest(Scenario.Request() with { RequestedAt = DateTimeOffset.UtcNow.AddMinutes(2), RespondedAt = null })).WasDuplicate);
    }

    [Fact]
    public async Task Bad_entities_are_rejected_and_nothing_is_written()
    {
        var (cluster, database) = await servers.SharedClusterAsync();
        await using var db = new Db(database);
        var grains = cluster.GrainFactory;
        var userId = await Scenario.NewUserAsync(grains);
        var sessionId = await Scenario.NewSessionAsync(grains, userId);
        var chatId = await Scenario.NewChatAsync(grains, sessionId);
        var before = await db.ScalarAsync<long>(CountEverything);

        await Expect("id", () => grains.GetGrain<IUserGrain>(Guid.Empty).Create(new CreateUser("nil@example.com", null)));
        await Expect("email", () => grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser("not-an-email", null)));
        await Expect("email", () => grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser(new string('a', 250) + "@x.com", null)));
        await Expect("name", () => grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser("n@example.com", new string('n', 257))));
        await Expect("owner_id", () => grains.GetGrain<IProjectGrain>(Guid.NewGuid()).Create(new CreateProject(Guid.Empty, "p", null)));
        await Expect("owner_id", () => grains.GetGrain<IProjectGrain>(Guid.NewGuid()).Create(new CreateProject(Guid.NewGuid(), "p", null)));
        await Expect("name", () => grains.GetGrain<IProjectGrain>(Guid.NewGuid()).Create(new CreateProject(userId, "", null)));
        await Expect("user_id", () => grains.GetGrain<ISessionGrain>(Guid.NewGuid()).Start(new StartSession(Guid.Empty, null, null)));
        await Expect("user_id", () => grains.GetGrain<ISessionGrain>(Guid.NewGuid()).Start(new StartSession(Guid.NewGuid(), null, null)));
        await Expect("project_id", () => grains.GetGrain<ISessionGrain>(Guid.NewGuid()).Start(new StartSession(userId, Guid.NewGuid(), null)));
        await Expect("metadata", () => grains.GetGrain<ISessionGrain>(Guid.NewGuid()).Start(new StartSession(userId, null, "[1,2]")));
        await Expect("session_id", () => grains.GetGrain<IChatGrain>(Guid.NewGuid()).Create(new CreateChat(Guid.NewGuid(), "orphan")));
        await Expect("session_id", () => grains.GetGrain<IChatGrain>(Guid.NewGuid()).Create(new CreateChat(Guid.Empty, "orphan")));
        var chat = grains.GetGrain<IChatGrain>(chatId);
        await Expect("role", () => chat.AppendTurn(new AppendTurn((TurnRole)12, "hi")));
        await Expect("content", () => chat.AppendTurn(new AppendTurn(TurnRole.User, new string('c', Limits.TurnContentMaxBytes + 1))));
        await Expect("input_tokens", () => chat.AppendTurn(new AppendTurn(TurnRole.User, "hi", InputTokens: -1)));
        await Expect("model", () => chat.AppendTurn(new AppendTurn(TurnRole.User, "hi", Model: new string('m', 300))));
        await Expect("last", () => chat.GetLastTurns(0));
        await Expect("after", () => chat.GetTurnsAfter(-1));
        await Assert.ThrowsAsync<NotFoundException>(() => grains.GetGrain<IChatGrain>(Guid.NewGuid()).AppendTurn(new AppendTurn(TurnRole.User, "to nowhere")));

        Assert.Equal(before, await db.ScalarAsync<long>(CountEverything));
    }

    private static async Task Expect(string field, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<InvalidFieldException>(call);
        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message);
    }
}
