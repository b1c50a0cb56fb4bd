using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

public static class ChatsApi
{
    public sealed record CreateChatBody(string? Title, Guid? Id = null);
    public sealed record ChatResponse(Guid Id, Guid SessionId, string? Title, DateTimeOffset CreatedAt);
    public sealed record AppendTurnBody(TurnRole? Role, string Content, string? Model, string? Provider, int? InputTokens, int? OutputTokens, Guid? TurnId);
    /// <summary>A page of turns; <c>next_after</c> / <c>next_before</c> are the cursors to read on (null when nothing is left that way).</summary>
    public sealed record TurnsResponse(IReadOnlyList<ChatTurn> Turns, long? NextAfter, long? NextBefore);

    public static RouteGroupBuilder MapChatsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/sessions/{id}/chats", CreateAsync).Accepts<CreateChatBody>(isOptional: true, "application/json").Produces<ChatResponse>(StatusCodes.Status201Created);
        v1.MapPost("/chats/{id}/turns", AppendAsync).Accepts<AppendTurnBody>(isOptional: true, "application/json")
            .Produces<ChatTurn>(StatusCodes.Status201Created).Produces<ChatTurn>();
        v1.MapGet("/chats/{id}/turns", TurnsAsync).Produces<TurnsResponse>();
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var sessionId = RouteValues.Id(id);
        await owners.RequireAsync(caller, sessionId, WorkspacePolicy.WriteSessions);
        var body = await JsonBody.ReadAsync<CreateChatBody>(http);
        var chatId = IdempotencyKey.CreatedId(http, caller.UserId, "chat", body.Id, sessionId);
        var chat = await grains.GetGrain<IChatGrain>(chatId).Create(new CreateChat(sessionId, body.Title), http.RequestAborted);
        return Results.Created($"/v1/chats/{chatId}", new ChatResponse(chat.Id, chat.SessionId, chat.Title, chat.CreatedAt));
    }

    /// <summary>
    /// Appends a turn: 201 with the stored turn; 200 with the stored turn when its <c>turn_id</c> (or the id an
    /// <c>Idempotency-Key</c> header derives) was appended before, so a retry never appends twice.
    /// </summary>
    private static async Task<IResult> AppendAsync(HttpContext http, IGrainFactory grains, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var chatId = RouteValues.Id(id);
        var idempotencyKey = IdempotencyKey.Read(http);
        await SiloLossRetry.RunAsync(() => AllowedAsync(grains, owners, caller, chatId, WorkspacePolicy.WriteSessions), http.RequestAborted);
        var body = await JsonBody.ReadAsync<AppendTurnBody>(http);
        var role = body.Role ?? throw ApiProblem.BadRequest("role", "role: is required (system, user, assistant or tool)");
        var turnId = body.TurnId ?? (idempotencyKey is null ? null : IdempotencyKey.TurnId(caller.UserId, idempotencyKey, chatId));
        var turn = new AppendTurn(role, body.Content, body.Model, body.Provider, body.InputTokens, body.OutputTokens, turnId);
        var chat = grains.GetGrain<IChatGrain>(chatId);
        // Only a turn with an id may be re-sent after a silo loss: without one, a repeat could append it twice.
        var appended = turnId is null
            ? await chat.RecordTurn(turn, http.RequestAborted)
            : await SiloLossRetry.RunAsync(() => chat.RecordTurn(turn, http.RequestAborted), http.RequestAborted);
        return appended.WasDuplicate
            ? Results.Ok(appended.Turn)
            : Results.Created($"/v1/chats/{chatId}/turns?after={appended.Turn.Seq - 1}", appended.Turn);
    }

    private static async Task<IResult> TurnsAsync(HttpContext http, IGrainFactory grains, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var chatId = RouteValues.Id(id);
        var last = RouteValues.OptionalInt(http.Request, "last", 1, 1000);
        var after = RouteValues.OptionalLong(http.Request, "after", 0);
        var before = RouteValues.OptionalLong(http.Request, "before", 1);
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, 1000);
        if (after is not null && (last is not null || before is not null)) throw ApiProblem.BadRequest("after", "after: use either after (reading forward) or last/before (reading back), not both");
        await AllowedAsync(grains, owners, caller, chatId, WorkspacePolicy.ReadSessions);
        var chat = grains.GetGrain<IChatGrain>(chatId);
        // Pages hold at most Limits.MaxTurnPageBytes of content; the cursors give the rest.
        var page = after is { } a
            ? await chat.GetTurnPageAfter(a, limit ?? 1000, http.RequestAborted)
            : await chat.GetTurnsBefore(before, last ?? limit ?? 100, http.RequestAborted);
        return Results.Ok(new TurnsResponse(page.Turns, page.NextAfter, page.NextBefore));
    }

    /// <summary>404 for an unknown chat and for one in a session the caller may not see (naming the chat, not its session); 403 below the role.</summary>
    private static async Task<bool> AllowedAsync(IGrainFactory grains, SessionOwners owners, ApiKeyPrincipal caller, Guid chatId, WorkspacePermission permission)
    {
        var chat = await grains.GetGrain<IChatGrain>(chatId).Get();
        try
        {
            await owners.RequireAsync(caller, chat.SessionId, permission);
            return true;
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("chat", chatId);
        }
    }
}
