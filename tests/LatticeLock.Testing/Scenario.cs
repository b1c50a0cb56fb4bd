using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.Testing;

/// <summary>Small builders for the entities most tests need.</summary>
public static class Scenario
{
    public static async Task<Guid> NewUserAsync(IGrainFactory grains)
    {
        var id = Guid.NewGuid();
        await grains.GetGrain<IUserGrain>(id).Create(new CreateUser($"user-{id:N}@example.com", "Test User"));
        return id;
    }

    public static async Task<Guid> NewSessionAsync(IGrainFactory grains, Guid? userId = null)
    {
        var user = userId ?? await NewUserAsync(grains);
        var id = Guid.NewGuid();
        await grains.GetGrain<ISessionGrain>(id).Start(new StartSession(user, null, """{"source":"test"}"""));
        return id;
    }

    /// <summary>A user, a project they own and a session charged to it.</summary>
    public static async Task<(Guid ProjectId, Guid SessionId)> NewProjectSessionAsync(IGrainFactory grains)
    {
        var user = await NewUserAsync(grains);
        var projectId = Guid.NewGuid();
        await grains.GetGrain<IProjectGrain>(projectId).Create(new CreateProject(user, "project", null));
        var sessionId = Guid.NewGuid();
        await grains.GetGrain<ISessionGrain>(sessionId).Start(new StartSession(user, projectId, null));
        return (projectId, sessionId);
    }

    public static async Task<Guid> NewChatAsync(IGrainFactory grains, Guid sessionId)
    {
        var id = Guid.NewGuid();
        await grains.GetGrain<IChatGrain>(id).Create(new CreateChat(sessionId, "chat"));
        return id;
    }

    public static ModelRequestRecord Request(string model = "gpt-4o", int input = 100, int output = 50, decimal inputCost = 0.00025m, decimal outputCost = 0.0005m) => new()
    {
        Id = Guid.NewGuid(),
        ModelId = model,
        Provider = "openai",
        TaskType = "code",
        RequestedAt = DateTimeOffset.UtcNow,
        RespondedAt = DateTimeOffset.UtcNow.AddMilliseconds(250),
        LatencyMs = 250,
        InputTokens = input,
        OutputTokens = output,
        InputCostUsd = inputCost,
        OutputCostUsd = outputCost,
        Status = ModelRequestStatus.Success,
    };
}
