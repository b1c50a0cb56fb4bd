using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.Tests.Integration;

/// <summary>Small builders for the entities most tests need.</summary>
internal static class Scenario
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
