using LatticeLock.Grains.Projects;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Budgets;

public static class BudgetAlertsSiloBuilderExtensions
{
    /// <summary>Budget alerts: the webhook settings (<c>Budgets:Webhooks</c>, validated at start) and the dispatcher that POSTs them.</summary>
    public static ISiloBuilder AddLatticeLockBudgetAlerts(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<BudgetWebhookOptions>().Bind(configuration.GetSection(BudgetWebhookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BudgetWebhookOptions>, BudgetWebhookOptionsValidator>();
        services.AddSingleton(sp => WebhookTargetPolicy.Parse(sp.GetRequiredService<IOptions<BudgetWebhookOptions>>().Value.AllowedPrivateNetworks,
            $"{BudgetWebhookOptions.Section}:AllowedPrivateNetworks"));
        services.AddBudgetWebhookHttpClient();
        services.AddHostedService<BudgetAlertWebhookDispatcher>();
        return silo;
    }

    /// <summary>
    /// The webhook HTTP client. No proxy, no redirects: a webhook answers itself, it does not send the silo on to another
    /// address. Connections go only to addresses the <see cref="WebhookTargetPolicy"/> allows. No resilience handler from the service defaults: the dispatcher retries each alert itself on a durable
    /// schedule, with its own timeout, and records every attempt's status; a second retry layer would multiply deliveries.
    /// </summary>
    public static IHttpClientBuilder AddBudgetWebhookHttpClient(this IServiceCollection services)
    {
        // Every connection checks the addresses the host resolves to now, so a name that pointed to a public address
        // when the budget was set cannot be re-pointed (DNS rebinding) at an internal one.
        var client = services.AddHttpClient(BudgetAlertWebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                // Never through a proxy (HTTP_PROXY and the like): the proxy would make the connection, past the address check below.
                UseProxy = false,
                ConnectCallback = WebhookConnections.Guarded(sp.GetService<WebhookTargetPolicy>() ?? WebhookTargetPolicy.PublicOnly),
            });
#pragma warning disable EXTEXP0001 // the documented way to opt one client out of ConfigureHttpClientDefaults' handler
        return client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
