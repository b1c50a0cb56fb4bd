using System.Text.Json;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Access tokens of the VM's (or GKE workload's) service account from the GCE metadata server
/// (<c>GET .../instance/service-accounts/default/token</c> with <c>Metadata-Flavor: Google</c>), cached until shortly
/// before they expire.
/// </summary>
public sealed class GceMetadataAccessTokenSource(HttpClient http, Uri tokenUrl, TimeProvider clock) : IBigtableAccessTokenSource
{
    /// <summary>A token is renewed this long before it expires (or at half its lifetime, if that is shorter).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _cached;

    /// <summary>Token requests made to the metadata server so far.</summary>
    public int Fetches { get; private set; }

    public async ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } hit && clock.GetUtcNow() < hit.RenewAt) return hit.Token;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && clock.GetUtcNow() < again.RenewAt) return again.Token;
            Fetches++;
            using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
            request.Headers.TryAddWithoutValidation("Metadata-Flavor", "Google");
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"the metadata server at {tokenUrl} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
            using var document = JsonDocument.Parse(body);
            var token = document.RootElement.GetProperty("access_token").GetString()
                ?? throw new InvalidDataException($"the metadata server at {tokenUrl} returned no access_token");
            var lifetime = TimeSpan.FromSeconds(document.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt64(out var s) ? s : 300);
            var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
            _cached = (token, clock.GetUtcNow() + lifetime - margin);
            return token;
        }
        finally { _gate.Release(); }
    }
}
