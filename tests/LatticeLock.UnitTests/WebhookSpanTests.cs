using System.Diagnostics;
using LatticeLock.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace LatticeLock.UnitTests;

/// <summary>A webhook's URL is its subscriber's secret: the HTTP client span of a request marked host-only keeps the scheme and host alone.</summary>
public sealed class WebhookSpanTests
{
    [Fact]
    public async Task A_host_only_request_exports_its_scheme_and_host_but_no_path_or_query()
    {
        var exported = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        using var host = builder.Build();
        await host.StartAsync();
        using (var client = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(5) })
        {
            foreach (var hostOnly in new[] { true, false })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:1/hooks/T000/B000/SECRETTOKEN?sig=abc");
                request.Options.Set(ServiceDefaultsExtensions.RecordHostOnly, hostOnly);
                await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)); // nothing listens on port 1
            }
        }
        await host.StopAsync();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var spans = exported.Where(a => a.Kind == ActivityKind.Client).ToList();
        Assert.Equal(2, spans.Count);
        var marked = spans[0];
        Assert.Equal("http://127.0.0.1", marked.GetTagItem("url.full"));
        Assert.DoesNotContain(marked.TagObjects, t => t.Value?.ToString()?.Contains("SECRETTOKEN", StringComparison.Ordinal) == true);
        // An unmarked request keeps the usual tags (so the test would notice the callback not running at all).
        Assert.Contains("/hooks/", spans[1].GetTagItem("url.full")?.ToString());
    }
}
