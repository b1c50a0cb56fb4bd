using System.Net;
using LatticeLock.ServiceDefaults;
using LatticeLock.Silo.Budgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LatticeLock.UnitTests;

/// <summary>The service defaults give outgoing HTTP the standard resilience pipeline; the budget webhook client opts out.</summary>
public sealed class OutgoingHttpResilienceTests
{
    [Fact]
    public async Task A_client_from_the_factory_retries_a_transient_503()
    {
        var server = new UnavailableOnce();
        using var host = Build(services => services.AddHttpClient("plain").ConfigurePrimaryHttpMessageHandler(() => server));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("plain");
        using var response = await client.GetAsync(new Uri("http://example.invalid/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task The_webhook_client_makes_exactly_one_attempt_because_the_dispatcher_keeps_its_own_schedule()
    {
        var server = new UnavailableOnce();
        using var host = Build(services => services.AddBudgetWebhookHttpClient().ConfigurePrimaryHttpMessageHandler(() => server));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(BudgetAlertWebhookDispatcher.HttpClientName);
        using var response = await client.GetAsync(new Uri("http://example.invalid/"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    private static IHost Build(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>Answers 503 to the first request and 200 to the rest, counting them.</summary>
    private sealed class UnavailableOnce : HttpMessageHandler
    {
        private int _calls;
        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(Interlocked.Increment(ref _calls) == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));
    }
}
