using System.Net;
using System.Net.Sockets;
using System.Text;
using LatticeLock.Metrics.Bigtable;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>Bearer tokens from a (local, scripted) GCE metadata server: the request it needs, caching, renewal, errors.</summary>
public sealed class GceMetadataAccessTokenSourceTests
{
    [Fact]
    public async Task Tokens_are_fetched_with_the_metadata_flavor_header_cached_and_renewed_before_expiry()
    {
        var served = 0;
        var flavors = new List<string?>();
        await using var server = new MetadataServer(request =>
        {
            flavors.Add(request.Headers["Metadata-Flavor"]);
            served++;
            return (200, $$"""{"access_token":"ya29.token-{{served}}","expires_in":3600,"token_type":"Bearer"}""");
        });
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var http = new HttpClient();
        var source = new GceMetadataAccessTokenSource(http, server.TokenUrl, clock);

        Assert.Equal("ya29.token-1", await source.GetAccessTokenAsync(default));
        clock.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("ya29.token-1", await source.GetAccessTokenAsync(default));
        Assert.Equal(1, source.Fetches);
        clock.Advance(TimeSpan.FromMinutes(2)); // 56 min: inside the 5-minute renewal margin of a 60-minute token
        Assert.Equal("ya29.token-2", await source.GetAccessTokenAsync(default));
        Assert.Equal(2, source.Fetches);
        Assert.Equal(["Google", "Google"], flavors);
    }

    [Fact]
    public async Task A_refusal_of_the_metadata_server_is_an_error_naming_it()
    {
        await using var server = new MetadataServer(_ => (403, "Missing Metadata-Flavor:Google header."));
        using var http = new HttpClient();
        var source = new GceMetadataAccessTokenSource(http, server.TokenUrl, TimeProvider.System);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => source.GetAccessTokenAsync(default).AsTask());

        Assert.Contains("answered 403", error.Message);
        Assert.Contains(server.TokenUrl.ToString(), error.Message);
    }

    [Fact]
    public void The_token_source_follows_the_options()
    {
        using var http = new HttpClient();
        var emulator = new BigtableOptions { ProjectId = "p", InstanceId = "i", Endpoint = new Uri("http://127.0.0.1:8086") };
        var withToken = new BigtableOptions { ProjectId = "p", InstanceId = "i", AccessToken = "t" };
        var onGce = new BigtableOptions { ProjectId = "p", InstanceId = "i" };

        Assert.Same(StaticAccessTokenSource.None, BigtableAccessTokens.For(emulator, http, TimeProvider.System));
        Assert.IsType<StaticAccessTokenSource>(BigtableAccessTokens.For(withToken, http, TimeProvider.System));
        Assert.IsType<GceMetadataAccessTokenSource>(BigtableAccessTokens.For(onGce, http, TimeProvider.System));
        Assert.Equal(new Uri("https://bigtable.googleapis.com"), onGce.ResolveEndpoint());
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class MetadataServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public MetadataServer(Func<HttpListenerRequest, (int Status, string Body)> answer)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                TokenUrl = new Uri($"http://127.0.0.1:{port}/computeMetadata/v1/instance/service-accounts/default/token");
            }
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    var (status, body) = answer(context.Request);
                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public Uri TokenUrl { get; }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            try { await _loop; } catch (Exception) { /* stopped */ }
        }
    }
}
