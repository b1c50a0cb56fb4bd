using LatticeLock.Grains.Abstractions.Auth;

namespace LatticeLock.Client;

/// <summary>Puts the client's API key on every grain call it makes (<see cref="CallCredentials.ApiKey"/>).</summary>
public sealed class ApiKeyCallFilter(string apiKey) : IOutgoingGrainCallFilter
{
    /// <summary>Every call of <paramref name="client"/> carries <paramref name="apiKey"/>; the silos authorize it as over HTTP.</summary>
    public static IClientBuilder AddTo(IClientBuilder client, string apiKey)
    {
        if (string.IsNullOrWhiteSpace(apiKey) || !apiKey.StartsWith("ll_", StringComparison.Ordinal))
            throw new ArgumentException("LatticeLockClientOptions.ApiKey (LatticeLock__Client__ApiKey): set the API key (ll_…) the client's calls are authorized by");
        return client.AddOutgoingGrainCallFilter(new ApiKeyCallFilter(apiKey));
    }

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(CallCredentials.ApiKey, apiKey);
        return context.Invoke();
    }
}
