using System.Security.Cryptography;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Every call into a LatticeLock grain that does not carry the silos' stamp (<see cref="SiloCallStamp"/>) comes from
/// a client: it must carry an API key (<see cref="CallCredentials.ApiKey"/>, set by <c>LatticeLockClientOptions.ApiKey</c>),
/// which is authenticated as over HTTP and authorized by <see cref="ClientCallPolicy"/> (the same workspace policy as
/// HTTP). A client certificate alone grants no data access. Calls inside the cluster pass. An operator's calls are
/// counted for the platform's audit chain (<see cref="OperatorCallCounts"/>).
/// </summary>
public sealed class ClientCallAuthorization(SiloCallStamp stamp, ApiKeyResolver keys, ClientCallPolicy policy, OperatorCallCounts operatorCalls) : IIncomingGrainCallFilter
{
    /// <summary>The assembly of the LatticeLock grain interfaces: calls into them are authorized; Orleans' own are not.</summary>
    internal static readonly System.Reflection.Assembly Ours = typeof(ISessionGrain).Assembly;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<System.Reflection.MethodInfo, string> MethodNames = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.DeclaringType?.Assembly != Ours || await FromSiloAsync())
        {
            await context.Invoke();
            return;
        }
        var principal = await AuthenticateAsync();
        await policy.AuthorizeAsync(principal, context);
        if (principal.IsAdmin) operatorCalls.Add(principal, MethodNames.GetOrAdd(context.InterfaceMethod, static m => $"{m.DeclaringType!.Name}.{m.Name}"));
        // What the call changes is audited as this key's (the address is the client's gateway connection, not known here).
        RequestContext.Set(AuditActor.ContextKey, new AuditActor(principal.UserId, principal.KeyId, null, "LatticeLock.Client", principal.IsAdmin));
        await context.Invoke();
    }

    private async ValueTask<bool> FromSiloAsync()
    {
        if (RequestContext.Get(CallCredentials.SiloStamp) is not byte[] presented) return false;
        var expected = await stamp.GetAsync();
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    private async Task<ApiKeyPrincipal> AuthenticateAsync()
    {
        if (RequestContext.Get(CallCredentials.ApiKey) is not string key)
            throw new NotAuthenticatedException("a call from a client needs an API key: set LatticeLockClientOptions.ApiKey (LatticeLock__Client__ApiKey)");
        var presented = ApiKeyResolver.Parse("Bearer " + key);
        if (presented.Prefix is null) throw new NotAuthenticatedException(presented.Malformed ?? "malformed API key");
        var result = keys.Cached(presented) is { } known ? new AuthenticationResult(known, null) : await keys.AuthenticateAsync(presented);
        return result.Principal ?? throw new NotAuthenticatedException(result.FailureReason ?? "unknown API key");
    }
}
