using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Storage;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Stamps every grain call this silo makes (from a grain, the HTTP gateway or a background service) with the cluster's
/// silo-call key, so the receiving silo lets it pass without an API key. Clients never see the stamp: it travels only
/// from silo to silo (over mutual TLS where configured), and no silo calls into a client.
/// </summary>
public sealed class SiloCallStamp(DeploymentKeys keys) : IOutgoingGrainCallFilter
{
    private byte[]? _stamp;

    /// <summary>The cluster's stamp (read once from <c>deployment_keys</c>).</summary>
    public async ValueTask<byte[]> GetAsync()
    {
        if (_stamp is { } stamp) return stamp;
        return _stamp = await keys.GetAsync(DeploymentKeys.SiloCalls, CancellationToken.None);
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Only calls into LatticeLock grains are authorized, so only they need the stamp (Orleans' own calls pass as they are).
        if (context.InterfaceMethod?.DeclaringType?.Assembly == ClientCallAuthorization.Ours)
            RequestContext.Set(CallCredentials.SiloStamp, _stamp ?? await GetAsync());
        await context.Invoke();
    }
}
