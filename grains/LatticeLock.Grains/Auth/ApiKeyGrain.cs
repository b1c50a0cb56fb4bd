using System.Security.Cryptography;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Storage;
using LatticeLock.Storage.Auth;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Auth;

/// <summary>
/// Holds one API key hot: every silo's gateway asks this single activation, so revocation is immediate cluster-wide.
/// The last-use time changes on every request but is written at most every <see cref="LastUsedFlushPeriod"/>
/// (and on deactivation), never on the request path. The same tick re-reads the key, so a change whose NOTIFY was
/// missed (a silo reconnecting) still takes effect within one period.
/// </summary>
public sealed class ApiKeyGrain(ApiKeyRepository keys, TimeProvider clock, ILogger<ApiKeyGrain> logger) : Grain, IApiKeyGrain
{
    public static readonly TimeSpan LastUsedFlushPeriod = TimeSpan.FromSeconds(30);

    private ApiKeyInfo? _key;
    private byte[]? _hash;
    private bool _ownerDeleted;
    private DateTimeOffset? _unflushedLastUse;
    private IGrainTimer? _flushTimer;

    private string Prefix => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailures.GuardActivationAsync(async () =>
    {
        await LoadAsync(cancellationToken);
        _flushTimer = this.RegisterGrainTimer(RefreshAsync, LastUsedFlushPeriod, LastUsedFlushPeriod);
    });

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flushTimer?.Dispose();
        await FlushLastUsedAsync(cancellationToken);
    }

    Task<AuthenticationResult> IApiKeyGrain.Authenticate(byte[] keyHash)
    {
        if (_key is null || _hash is null)
        {
            DeactivateOnIdle(); // guessed prefixes must not pile up activations
            return Task.FromResult(AuthenticationResult.Fail("unknown API key", unknownKey: true));
        }
        if (!CryptographicOperations.FixedTimeEquals(keyHash, _hash)) return Task.FromResult(AuthenticationResult.Fail("unknown API key"));
        var now = clock.GetUtcNow();
        if (_ownerDeleted) return Task.FromResult(AuthenticationResult.Fail("the API key's user was deleted"));
        if (_key.RevokedAt is not null) return Task.FromResult(AuthenticationResult.Fail("API key revoked"));
        if (_key.ExpiresAt is { } expires && expires <= now) return Task.FromResult(AuthenticationResult.Fail("API key expired"));
        _unflushedLastUse = now;
        return Task.FromResult(new AuthenticationResult(new ApiKeyPrincipal(_key.Id, _key.UserId, _key.Prefix, _key.Scopes, _key.ExpiresAt,
            _key.RateLimitPerSecond, _key.MaxConcurrentRequests, _key.WorkspaceId, _key.MintedBy), null));
    }

    async Task<IReadOnlyList<string>> IApiKeyGrain.Revoke(CancellationToken cancellationToken)
    {
        if (_key is null) return [];
        var revoked = await keys.RevokeAsync(_key.Id, clock.GetUtcNow(), AuditActor.Current, cancellationToken);
        await LoadAsync(cancellationToken);
        // The keys made from this one are revoked with it: their activations stop accepting them now, not at their next refresh.
        await Task.WhenAll(revoked.Where(p => p != Prefix).Select(p => GrainFactory.GetGrain<IApiKeyGrain>(p).Reload(cancellationToken)));
        return revoked;
    }

    Task IApiKeyGrain.Reload(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var found = await keys.FindByPrefixAsync(Prefix, cancellationToken);
        (_key, _hash, _ownerDeleted) = found is { } f ? (f.Key, f.Hash, f.OwnerDeleted) : (null, null, false);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await FlushLastUsedAsync(cancellationToken);
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException)
        {
            logger.LogWarning(e, "Could not refresh API key {Prefix}", ApiKeyFormat.Display(Prefix));
        }
    }

    private async Task FlushLastUsedAsync(CancellationToken cancellationToken)
    {
        if (_unflushedLastUse is not { } at) return;
        _unflushedLastUse = null;
        try
        {
            await keys.RecordLastUsedAsync(Prefix, at, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException)
        {
            _unflushedLastUse ??= at; // try again on the next tick
            logger.LogWarning(e, "Could not record last use of API key {Prefix}", ApiKeyFormat.Display(Prefix));
        }
    }
}
