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
        // No redirects: a webhook answers itself, it does not send the silo on to another address.
        services.AddHttpClient(BudgetAlertWebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHostedService<BudgetAlertWebhookDispatcher>();
        return silo;
    }
}
