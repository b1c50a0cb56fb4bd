using LatticeLock.Grains.Abstractions.Auth;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// The one way a presented API key becomes a principal, for the /v1 and /otlp middleware and for the health details:
/// the <c>Authorization</c> header parsed, then this silo's cache of recent successes, then the prefixes recently found
/// unknown (no grain call, no query), then the key's grain (a hash crosses the wire, never the secret); what the grain
/// answers is remembered in the cache or the unknown prefixes. Failure budgets are the middleware's.
/// </summary>
public sealed class ApiKeyResolver(IGrainFactory grains, AuthenticatedKeyCache cache, UnknownKeyPrefixes unknownPrefixes)
{
    /// <summary>A key as presented: its prefix and hash, or why it is not a key at all.</summary>
    public readonly record struct PresentedKey(string? Prefix, byte[]? Hash, string? Malformed);

    /// <summary>The key in an <c>Authorization</c> header value.</summary>
    public static PresentedKey Parse(string header)
    {
        if (string.IsNullOrEmpty(header)) return new(null, null, "missing Authorization header (expected: Bearer <API key>)");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return new(null, null, "the Authorization header must use the Bearer scheme");
        var secret = header["Bearer ".Length..].Trim();
        return ApiKeyFormat.PrefixOf(secret) is { } prefix ? new(prefix, ApiKeyFormat.Hash(secret), null) : new(null, null, "malformed API key");
    }

    /// <summary>The principal of a key authenticated on this silo recently, or null.</summary>
    public ApiKeyPrincipal? Cached(PresentedKey key) => key.Prefix is { } prefix ? cache.Find(prefix, key.Hash!) : null;

    /// <summary>The key's principal, or why it was refused (a well-formed key only).</summary>
    public async Task<AuthenticationResult> AuthenticateAsync(PresentedKey key)
    {
        var prefix = key.Prefix ?? throw new ArgumentException("the key is malformed", nameof(key));
        if (cache.Find(prefix, key.Hash!) is { } known) return new AuthenticationResult(known, null);
        if (unknownPrefixes.IsKnownUnknown(prefix)) return AuthenticationResult.Fail("unknown API key", unknownKey: true);
        var result = await grains.GetGrain<IApiKeyGrain>(prefix).Authenticate(key.Hash!);
        if (result.UnknownKey) unknownPrefixes.Remember(prefix);
        if (result.Principal is { } principal) cache.Remember(prefix, key.Hash!, principal);
        return result;
    }
}
