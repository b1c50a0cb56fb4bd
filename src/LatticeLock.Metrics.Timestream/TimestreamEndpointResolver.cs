using System.Text.Json;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// The data-plane endpoint to send WriteRecords to. With an override (emulator, VPC endpoint) that is the answer.
/// Otherwise it is discovered with DescribeEndpoints (the endpoint discovery pattern of Timestream LiveAnalytics) and
/// cached for the <c>CachePeriodInMinutes</c> the answer gives; <see cref="Invalidate"/> forgets it early, e.g. after
/// an <c>InvalidEndpointException</c>.
/// </summary>
public sealed class TimestreamEndpointResolver(Uri? endpointOverride, Uri discoveryEndpoint, TimestreamJsonClient client, TimeProvider clock)
{
    public const string Operation = "DescribeEndpoints";
    private static readonly byte[] EmptyRequest = "{}"u8.ToArray();

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (Uri Endpoint, DateTimeOffset ExpiresAt)? _cached;

    /// <summary>DescribeEndpoints calls made so far (observable for tests and diagnostics).</summary>
    public int DiscoveryCalls { get; private set; }

    public async Task<Uri> ResolveAsync(CancellationToken cancellationToken)
    {
        if (endpointOverride is not null) return endpointOverride;
        if (_cached is { } hit && clock.GetUtcNow() < hit.ExpiresAt) return hit.Endpoint;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && clock.GetUtcNow() < again.ExpiresAt) return again.Endpoint;
            DiscoveryCalls++;
            var body = await client.SendAsync(discoveryEndpoint, Operation, EmptyRequest, cancellationToken);
            var (address, minutes) = ParseFirstEndpoint(body);
            var endpoint = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : $"https://{address}/");
            _cached = (endpoint, clock.GetUtcNow().AddMinutes(minutes));
            return endpoint;
        }
        finally { _gate.Release(); }
    }

    public void Invalidate() => _cached = null;

    /// <summary>Reads <c>{"Endpoints":[{"Address":"...","CachePeriodInMinutes":n}]}</c>.</summary>
    public static (string Address, long CachePeriodInMinutes) ParseFirstEndpoint(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.TryGetProperty("Endpoints", out var endpoints) && endpoints.ValueKind == JsonValueKind.Array)
        {
            foreach (var endpoint in endpoints.EnumerateArray())
            {
                if (endpoint.TryGetProperty("Address", out var address) && address.GetString() is { Length: > 0 } host)
                {
                    var minutes = endpoint.TryGetProperty("CachePeriodInMinutes", out var ttl) && ttl.TryGetInt64(out var m) ? m : 1;
                    return (host, Math.Max(minutes, 1));
                }
            }
        }
        throw new InvalidDataException("Timestream DescribeEndpoints answered no endpoint: " + System.Text.Encoding.UTF8.GetString(body));
    }
}
