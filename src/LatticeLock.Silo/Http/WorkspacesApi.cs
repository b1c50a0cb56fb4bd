using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Workspaces;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Workspaces and their members (docs/http-api.md, "Workspaces"). Reads need <c>projects:read</c>, changes
/// <c>projects:write</c>, and the caller's role in the workspace decides the rest (the grain checks it). A caller who is
/// not a member gets 404, never a hint that the workspace exists; an operator (<c>admin</c> key) acts in every one.
/// </summary>
public static class WorkspacesApi
{
    public sealed record CreateWorkspaceBody(string? Name, string? Slug, Guid? Id = null);
    public sealed record UpdateWorkspaceBody(string? Name, string? Slug, JsonElement RetentionDays);
    public sealed record MemberBody(Guid? UserId, WorkspaceRole? Role);
    public sealed record RoleBody(WorkspaceRole? Role);
    public sealed record WorkspaceResponse(Guid Id, string Name, string Slug, bool Personal, int Version, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt, WorkspaceRole? Role, RetentionDaysJson.RetentionDays RetentionDays)
    {
        public static WorkspaceResponse From(WorkspaceDetails w, WorkspaceRole? role) =>
            new(w.Id, w.Name, w.Slug, w.PersonalOf is not null, w.Version, w.CreatedAt, w.UpdatedAt, role, RetentionDaysJson.RetentionDays.From(w.Retention));
    }
    public sealed record WorkspaceList(IReadOnlyList<WorkspaceResponse> Workspaces);
    public sealed record MemberList(IReadOnlyList<WorkspaceMember> Members);
    public sealed record AuditEntryResponse(long Seq, DateTimeOffset At, Guid? ActorUserId, Guid? ActorKeyId, string Action, string ResourceType,
        string ResourceId, JsonElement Changes, string? Ip, string? UserAgent, int Status, string PrevHash, string Hash)
    {
        public static AuditEntryResponse From(AuditEntry e)
        {
            using var changes = JsonDocument.Parse(e.ChangesJson);
            return new(e.Seq, e.At, e.ActorUserId, e.ActorKeyId, e.Action, e.ResourceType, e.ResourceId, changes.RootElement.Clone(), e.Ip, e.UserAgent,
                e.Status, AuditHash.Hex(e.PrevHash), AuditHash.Hex(e.Hash));
        }
    }
    public sealed record AuditPage(IReadOnlyList<AuditEntryResponse> Entries, string? NextCursor);

    public static RouteGroupBuilder MapWorkspacesApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/workspaces", CreateAsync).Accepts<CreateWorkspaceBody>(isOptional: true, "application/json").Produces<WorkspaceResponse>(StatusCodes.Status201Created);
        v1.MapGet("/workspaces", ListAsync).Produces<WorkspaceList>();
        v1.MapGet("/workspaces/{id}", GetAsync).Produces<WorkspaceResponse>();
        v1.MapPatch("/workspaces/{id}", UpdateAsync).Accepts<UpdateWorkspaceBody>(isOptional: true, "application/json").Produces<WorkspaceResponse>();
        v1.MapDelete("/workspaces/{id}", DeleteAsync).Produces(StatusCodes.Status204NoContent);
        v1.MapGet("/workspaces/{id}/members", MembersAsync).Produces<MemberList>();
        v1.MapPost("/workspaces/{id}/members", AddMemberAsync).Accepts<MemberBody>(isOptional: true, "application/json").Produces<WorkspaceMember>(StatusCodes.Status201Created);
        v1.MapPatch("/workspaces/{id}/members/{userId}", ChangeRoleAsync).Accepts<RoleBody>(isOptional: true, "application/json").Produces<WorkspaceMember>();
        v1.MapDelete("/workspaces/{id}/members/{userId}", RemoveMemberAsync).Produces(StatusCodes.Status204NoContent);
        v1.MapGet("/workspaces/{id}/audit", AuditAsync).Produces<AuditPage>();
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var body = await JsonBody.ReadAsync<CreateWorkspaceBody>(http);
        var id = IdempotencyKey.CreatedId(http, caller.UserId, "workspace", body.Id);
        var workspace = await grains.GetGrain<IWorkspaceGrain>(id).Create(new CreateWorkspace(caller.UserId, body.Name, body.Slug), http.RequestAborted);
        return WithVersion(http, workspace, Results.Created($"/v1/workspaces/{id}", WorkspaceResponse.From(workspace, WorkspaceRole.Owner)));
    }

    /// <summary>The caller's workspaces with its role in each (a key bound to a workspace lists that one only).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, WorkspaceRepository workspaces)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsRead);
        var list = (await workspaces.ListForUserAsync(caller.UserId, http.RequestAborted)).Where(m => caller.WorkspaceId is not { } bound || m.Workspace.Id == bound);
        return Results.Ok(new WorkspaceList([.. list.Select(m => WorkspaceResponse.From(m.Workspace, m.Role))]));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsRead);
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.ReadWorkspace);
        var workspace = await grain.Get();
        var role = await grain.RoleOf(caller.UserId);
        return WithVersion(http, workspace, Results.Ok(WorkspaceResponse.From(workspace, role)));
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.ManageMembers);
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (ifMatch.Length == 0) throw new ApiProblem(StatusCodes.Status428PreconditionRequired, "PATCH needs If-Match: <version> (the version you read)", "If-Match");
        if (!int.TryParse(ifMatch, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) || expected < 1)
            throw ApiProblem.BadRequest("If-Match", "If-Match: must be a workspace version (a positive integer)");
        var body = await JsonBody.ReadAsync<UpdateWorkspaceBody>(http);
        // The If-Match version guards the merge: the grain refuses it (409) unless the workspace is still at that version.
        var retention = RetentionDaysJson.Merge((await grain.Get()).Retention, body.RetentionDays);
        var workspace = await grain.Update(new UpdateWorkspace(Actor(caller), expected, body.Name, body.Slug, retention), http.RequestAborted);
        return WithVersion(http, workspace, Results.Ok(WorkspaceResponse.From(workspace, await grain.RoleOf(caller.UserId))));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.DeleteWorkspace);
        await grain.Delete(Actor(caller), http.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> MembersAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsRead);
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.ReadWorkspace);
        return Results.Ok(new MemberList(await grain.Members()));
    }

    private static async Task<IResult> AddMemberAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var workspaceId = RouteValues.Id(id);
        var grain = await AllowedAsync(grains, access, caller, workspaceId, WorkspacePolicy.ManageMembers);
        var body = await JsonBody.ReadAsync<MemberBody>(http);
        var userId = body.UserId ?? throw ApiProblem.BadRequest("user_id", "user_id: is required");
        var role = body.Role ?? throw ApiProblem.BadRequest("role", "role: is required (viewer, member, admin or owner)");
        var added = await grain.SetMember(new SetWorkspaceMember(Actor(caller), userId, role), http.RequestAborted);
        access.Forget(workspaceId, userId);
        var member = (await grain.Members()).Single(m => m.UserId == userId);
        return added ? Results.Created($"/v1/workspaces/{workspaceId}/members/{userId}", member) : Results.Ok(member);
    }

    private static async Task<IResult> ChangeRoleAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id, string userId)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.ManageMembers);
        var memberId = RouteValues.Id(userId, "user_id");
        if ((await grain.Members()).All(m => m.UserId != memberId)) throw new NotFoundException("member", memberId);
        var body = await JsonBody.ReadAsync<RoleBody>(http);
        var role = body.Role ?? throw ApiProblem.BadRequest("role", "role: is required (viewer, member, admin or owner)");
        await grain.SetMember(new SetWorkspaceMember(Actor(caller), memberId, role), http.RequestAborted);
        access.Forget(grain.GetPrimaryKey(), memberId);
        return Results.Ok((await grain.Members()).Single(m => m.UserId == memberId));
    }

    /// <summary>Removes a member (admins; owners for owners), or the caller itself (anyone may leave).</summary>
    private static async Task<IResult> RemoveMemberAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id, string userId)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var memberId = RouteValues.Id(userId, "user_id");
        var grain = await AllowedAsync(grains, access, caller, RouteValues.Id(id),
            memberId == caller.UserId ? WorkspacePolicy.LeaveWorkspace : WorkspacePolicy.ManageMembers);
        await grain.RemoveMember(Actor(caller), memberId, http.RequestAborted);
        access.Forget(grain.GetPrimaryKey(), memberId);
        return Results.NoContent();
    }

    /// <summary>
    /// The workspace's audit log, oldest first, filtered by <c>from</c>/<c>to</c> (RFC 3339), <c>actor</c> (a user id) and
    /// <c>action</c>; <c>cursor</c> continues after the last page's last seq. Owners and admins (and operators) only.
    /// </summary>
    private static async Task<IResult> AuditAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, AuditLog audit, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsRead);
        var workspaceId = RouteValues.Id(id);
        await AllowedAsync(grains, access, caller, workspaceId, WorkspacePolicy.ReadAudit);
        var query = http.Request.Query;
        DateTimeOffset? Time(string name) => query[name].ToString() is { Length: > 0 } text
            ? Grains.Abstractions.Validation.Rfc3339.TryParse(text, out var t) ? t : throw ApiProblem.BadRequest(name, $"{name}: must be an RFC 3339 timestamp with an offset")
            : null;
        var from = Time("from");
        var to = Time("to");
        Guid? actor = query["actor"].ToString() is { Length: > 0 } a ? RouteValues.Id(a, "actor") : null;
        var action = query["action"].ToString() is { Length: > 0 } act ? act.Length <= 64 ? act : throw ApiProblem.BadRequest("action", "action: at most 64 characters") : null;
        long after = 0;
        if (query["cursor"].ToString() is { Length: > 0 } c && (!long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
            throw ApiProblem.BadRequest("cursor", "cursor: must be the next_cursor of a previous page");
        var limit = 100;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > AuditLog.MaxPage))
            throw ApiProblem.BadRequest("limit", $"limit: must be between 1 and {AuditLog.MaxPage}");
        var entries = await audit.ReadAsync(WorkspaceAccess.ReadScope(caller), workspaceId, from, to, actor, action, after, limit + 1, http.RequestAborted);
        var page = entries.Take(limit).ToList();
        var next = entries.Count > limit ? page[^1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return Results.Ok(new AuditPage([.. page.Select(AuditEntryResponse.From)], next));
    }

    /// <summary>
    /// The workspace, once the caller may <paramref name="permission"/> there: 404 when it does
    /// not exist or the caller is no member (operators see every one), 403 below the role. The grain checks the finer
    /// rules itself (only owners touch owners; a workspace keeps an owner).
    /// </summary>
    internal static async Task<IWorkspaceGrain> AllowedAsync(IGrainFactory grains, WorkspaceAccess access, ApiKeyPrincipal caller,
        Guid id, WorkspacePermission permission)
    {
        await access.RequireAsync(caller, id, permission);
        var grain = grains.GetGrain<IWorkspaceGrain>(id);
        if (caller.IsAdmin) await grain.Get(); // 404 for an operator too when there is no such workspace
        return grain;
    }

    /// <summary>Who acts: the caller's user, or nobody in particular for an operator key (which may do anything).</summary>
    private static Guid? Actor(ApiKeyPrincipal caller) => caller.IsAdmin ? null : caller.UserId;

    private static IResult WithVersion(HttpContext http, WorkspaceDetails workspace, IResult result)
    {
        http.Response.Headers.ETag = $"\"{workspace.Version.ToString(CultureInfo.InvariantCulture)}\"";
        return result;
    }
}
