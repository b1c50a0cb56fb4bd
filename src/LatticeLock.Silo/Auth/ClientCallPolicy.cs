using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Grains.Workspaces;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// What a typed client's key may call: each grain method names the <see cref="WorkspacePolicy"/> permission it needs
/// in the workspace of what it touches, exactly as the HTTP route that does the same job (docs/workspaces.md). The
/// workspace of an existing session or project is read from the target grain itself (<see cref="IWorkspaceScoped"/>);
/// a call that creates one is authorized for the workspace it would land in. Methods not listed are the operator's
/// (an <c>admin</c> key) alone.
/// </summary>
public sealed class ClientCallPolicy(IGrainFactory grains, WorkspaceAccess access, SessionOwners sessions, TraceQueries traces)
{
    public async Task AuthorizeAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call)
    {
        if (caller.IsAdmin) return; // the operator may call everything; what is wrong with the call is the grain's to say
        var method = call.InterfaceMethod.Name;
        var grain = call.InterfaceMethod.DeclaringType;
        if (grain == typeof(ISessionGrain)) await SessionAsync(caller, call, method);
        else if (grain == typeof(IProjectGrain)) await ProjectAsync(caller, call, method);
        else if (grain == typeof(IChatGrain)) await ChatAsync(caller, call, method);
        else if (grain == typeof(IUserGrain) && method == nameof(IUserGrain.Get)) RequireSelf(caller, call.TargetId.GetGuidKey());
        else if (grain == typeof(IUserGrain) && method == nameof(IUserGrain.UpdateProfile))
        {
            RequireSelf(caller, call.TargetId.GetGuidKey());
            // A profile belongs to no workspace; a key bound to one (perhaps made by that workspace's admin) acts only there.
            if (caller.WorkspaceId is { } bound) throw new ForbiddenException($"this API key is bound to workspace {bound}; it cannot change its user's profile");
        }
        else if (grain == typeof(IPriceTableGrain)) await PricesAsync(caller, call, method);
        else if (grain == typeof(ITraceReaderGrain) && method == nameof(ITraceReaderGrain.GetTracePage))
            await TraceAsync(caller, (Guid)call.Request.GetArgument(0)!, (string)call.Request.GetArgument(1)!);
        else if (grain == typeof(ITraceReaderGrain) && method == nameof(ITraceReaderGrain.ListForSession))
            await InSessionAsync(caller, (Guid)call.Request.GetArgument(0)!, WorkspacePolicy.ReadSessions);
        else RequireOperator(caller, $"{grain?.Name}.{method}");
    }

    private async Task SessionAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call, string method)
    {
        var id = call.TargetId.GetGuidKey();
        switch (method)
        {
            case nameof(ISessionGrain.Start):
                var start = (StartSession)call.Request.GetArgument(0)!;
                RequireSelf(caller, start.UserId);
                if (start.ProjectId is { } projectId)
                {
                    var project = await Referenced("project_id", () => grains.GetGrain<IProjectGrain>(projectId).Get());
                    await access.RequireAsync(caller, project.WorkspaceId, WorkspacePolicy.WriteSessions, "project", projectId);
                }
                else await access.RequireAsync(caller, start.WorkspaceId ?? start.UserId, WorkspacePolicy.WriteSessions);
                return;
            case nameof(ISessionGrain.GetSummary):
                await InScopeAsync(caller, call, WorkspacePolicy.ReadSessions, "session", id);
                return;
            case nameof(ISessionGrain.End) or nameof(ISessionGrain.RecordModelRequest):
                await InScopeAsync(caller, call, WorkspacePolicy.WriteSessions, "session", id);
                return;
            default:
                RequireOperator(caller, $"ISessionGrain.{method}");
                return;
        }
    }

    private async Task ProjectAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call, string method)
    {
        var id = call.TargetId.GetGuidKey();
        WorkspacePermission? permission = method switch
        {
            nameof(IProjectGrain.Get) or nameof(IProjectGrain.GetBudget) => WorkspacePolicy.ReadProjects,
            nameof(IProjectGrain.Update) or nameof(IProjectGrain.SetBudget) or nameof(IProjectGrain.Delete) => WorkspacePolicy.ManageProjects,
            nameof(IProjectGrain.RecordError) => WorkspacePolicy.ReportProjectErrors,
            nameof(IProjectGrain.Reserve) or nameof(IProjectGrain.ReleaseReservation) => WorkspacePolicy.ReserveBudget,
            _ => null,
        };
        if (method == nameof(IProjectGrain.Create))
        {
            var create = (CreateProject)call.Request.GetArgument(0)!;
            RequireSelf(caller, create.OwnerId);
            await access.RequireAsync(caller, create.WorkspaceId ?? create.OwnerId, WorkspacePolicy.ManageProjects);
        }
        else if (permission is not null) await InScopeAsync(caller, call, permission, "project", id);
        else RequireOperator(caller, $"IProjectGrain.{method}");
    }

    /// <summary>The platform's prices: anyone reads them, the operator sets them. A workspace's overrides: as their HTTP routes.</summary>
    private async Task PricesAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call, string method)
    {
        switch (method)
        {
            case nameof(IPriceTableGrain.List):
                return;
            case nameof(IPriceTableGrain.Set) when call.Request.GetArgument(0) is ModelPrice { WorkspaceId: { } workspaceId }:
                await access.RequireAsync(caller, workspaceId, WorkspacePolicy.ManagePrices);
                return;
            case nameof(IPriceTableGrain.ListOverrides):
                await access.RequireAsync(caller, (Guid)call.Request.GetArgument(0)!, WorkspacePolicy.ReadWorkspace);
                return;
            case nameof(IPriceTableGrain.RemoveOverride):
                await access.RequireAsync(caller, (Guid)call.Request.GetArgument(0)!, WorkspacePolicy.ManagePrices);
                return;
            default:
                RequireOperator(caller, $"IPriceTableGrain.{method}");
                return;
        }
    }

    private async Task ChatAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call, string method)
    {
        if (method == nameof(IChatGrain.Create))
        {
            var chatSession = ((CreateChat)call.Request.GetArgument(0)!).SessionId;
            var session = await Referenced("session_id", () => sessions.FindAsync(chatSession));
            await access.RequireAsync(caller, session.WorkspaceId, WorkspacePolicy.WriteSessions, "session", chatSession);
            return;
        }
        if (method == nameof(IChatGrain.TurnsExpired))
        {
            RequireOperator(caller, "IChatGrain.TurnsExpired"); // the retention job's call, not a client's
            return;
        }
        var permission = method is nameof(IChatGrain.AppendTurn) or nameof(IChatGrain.RecordTurn) ? WorkspacePolicy.WriteSessions : WorkspacePolicy.ReadSessions;
        // A chat that does not exist answers its own 404; one that does is authorized in its session's workspace.
        if (call.Grain is ISessionScoped { ScopeSessionId: { } sessionId })
        {
            try
            {
                await InSessionAsync(caller, sessionId, permission);
            }
            catch (NotFoundException)
            {
                throw new NotFoundException("chat", call.TargetId.GetGuidKey());
            }
        }
        else RequireScope(caller, permission.Scope);
    }

    /// <summary>
    /// A trace, read as <c>GET /v1/traces/{trace_id}</c> reads it: by anyone who may read sessions in the workspace it
    /// lives in. Its owner and workspace are found behind the workspace wall, so a trace out of the caller's reach is
    /// not found (404), never named.
    /// </summary>
    private async Task TraceAsync(ApiKeyPrincipal caller, Guid ownerId, string traceId)
    {
        RequireScope(caller, WorkspacePolicy.ReadSessions.Scope);
        var resource = $"trace {traceId} of user";
        var owners = await traces.OwnersAsync(traceId, WorkspaceAccess.ReadScope(caller), CancellationToken.None);
        if (owners.Where(o => o.UserId == ownerId).Select(o => (Guid?)o.WorkspaceId).FirstOrDefault() is not { } workspaceId)
            throw new NotFoundException(resource, ownerId);
        await access.RequireAsync(caller, workspaceId, WorkspacePolicy.ReadSessions, resource, ownerId);
    }

    /// <summary>The target grain's own entity: allowed in its workspace, or (when there is none yet) left to the grain's own 404.</summary>
    private async Task InScopeAsync(ApiKeyPrincipal caller, IIncomingGrainCallContext call, WorkspacePermission permission, string resource, Guid id)
    {
        if (call.Grain is IWorkspaceScoped { ScopeWorkspaceId: { } workspaceId }) await access.RequireAsync(caller, workspaceId, permission, resource, id);
        else RequireScope(caller, permission.Scope);
    }

    private async Task InSessionAsync(ApiKeyPrincipal caller, Guid sessionId, WorkspacePermission permission) =>
        await sessions.RequireAsync(caller, sessionId, permission);

    /// <summary>An entity the call names in its arguments; one that does not exist is the argument's fault (400 naming it), as the grain would say.</summary>
    private static async Task<T> Referenced<T>(string field, Func<Task<T>> lookup)
    {
        try
        {
            return await lookup();
        }
        catch (NotFoundException e)
        {
            throw new InvalidFieldException(field, e.Message);
        }
    }

    private static void RequireScope(ApiKeyPrincipal caller, string scope)
    {
        if (!caller.Has(scope)) throw new ForbiddenException($"this API key lacks the '{scope}' scope");
    }

    private static void RequireSelf(ApiKeyPrincipal caller, Guid userId)
    {
        if (!caller.IsAdmin && caller.UserId != userId) throw new ForbiddenException("this API key may act only for its own user");
    }

    private static void RequireOperator(ApiKeyPrincipal caller, string what)
    {
        if (!caller.IsAdmin) throw new ForbiddenException($"{what} is the operator's: it needs an admin key");
    }
}
