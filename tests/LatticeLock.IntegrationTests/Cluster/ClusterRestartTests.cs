using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.IntegrationTests;

[Collection(ServersCollection.Name)]
public sealed class ClusterRestartTests(ServersFixture servers)
{
    [Fact]
    public async Task Every_acknowledged_change_survives_a_full_cluster_restart()
    {
        var database = await servers.CreateDatabaseAsync();
        Guid userId, projectId, sessionId, endedSessionId, chatId;
        SessionSummary before;

        await using (var first = await LatticeCluster.StartAsync(database))
        {
            var grains = first.GrainFactory;
            userId = await Scenario.NewUserAsync(grains);
            await grains.GetGrain<IUserGrain>(userId).UpdateProfile(new UpdateUserProfile(null, "Renamed"));
            projectId = Guid.NewGuid();
            await grains.GetGrain<IProjectGrain>(projectId).Create(new CreateProject(userId, "proj", null));
            await grains.GetGrain<IProjectGrain>(projectId).Update(new UpdateProject(1, "proj-2", null, ProjectStatus.Warning));
            sessionId = Guid.NewGuid();
            await grains.GetGrain<ISessionGrain>(sessionId).Start(new StartSession(userId, projectId, """{"k":"v"}"""));
            chatId = await Scenario.NewChatAsync(grains, sessionId);
            for (var i = 1; i <= 5; i++) await grains.GetGrain<IChatGrain>(chatId).AppendTurn(new AppendTurn(TurnRole.User, $"t{i}"));
            await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
                grains.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Scenario.Request(i % 2 == 0 ? "a" : "b", i, i, 0.001m * i, 0.0001m))));
            before = await grains.GetGrain<ISessionGrain>(sessionId).GetSummary();
            endedSessionId = await Scenario.NewSessionAsync(grains, userId);
            await grains.GetGrain<ISessionGrain>(endedSessionId).End();
            await first.StopAllSilosAsync();
        }

        await using var second = await LatticeCluster.StartAsync(database);
        var g = second.GrainFactory;
        Assert.Equal("Renamed", (await g.GetGrain<IUserGrain>(userId).Get()).Name);
        var project = await g.GetGrain<IProjectGrain>(projectId).Get();
        Assert.Equal(("proj-2", 2, ProjectStatus.Warning), (project.Name, project.Version, project.Status));
        var after = await g.GetGrain<ISessionGrain>(sessionId).GetSummary();
        Assert.Equal(40, after.RequestCount);
        Assert.Equal((before.InputTokens, before.OutputTokens, before.TotalCostUsd), (after.InputTokens, after.OutputTokens, after.TotalCostUsd));
        Assert.Equal(["a", "b"], after.Models);
        Assert.Equal(projectId, after.ProjectId);
        Assert.Equal("""{"k": "v"}""", after.MetadataJson); // as jsonb stores it, before and after the restart
        Assert.Equal(before.MetadataJson, after.MetadataJson);
        Assert.Equal(SessionStatus.Ended, (await g.GetGrain<ISessionGrain>(endedSessionId).GetSummary()).Status);
        var turns = await g.GetGrain<IChatGrain>(chatId).GetLastTurns(10);
        Assert.Equal(["t1", "t2", "t3", "t4", "t5"], turns.Select(t => t.Content));
        Assert.Equal(6, await g.GetGrain<IChatGrain>(chatId).AppendTurn(new AppendTurn(TurnRole.Assistant, "t6")));
    }
}
