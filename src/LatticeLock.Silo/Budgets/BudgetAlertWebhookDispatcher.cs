using System.Net.Http.Json;
using System.Text.Json;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Storage.Budgets;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Budgets;

/// <summary>
/// POSTs budget alerts to project webhooks. The queue is the <c>alert_events</c> table itself: every silo polls it,
/// claims due rows with a lease (so two silos never send the same attempt) and records each attempt's outcome.
/// Failures are retried with exponential backoff and jitter until <see cref="BudgetWebhookOptions.MaxAttempts"/>;
/// a crash mid-delivery only delays it until the lease runs out. Receivers should de-duplicate on
/// <c>X-LatticeLock-Alert-Id</c>, since an attempt whose answer was lost is sent again.
/// </summary>
public sealed class BudgetAlertWebhookDispatcher(
    AlertEventRepository alerts,
    IHttpClientFactory httpClients,
    IOptions<BudgetWebhookOptions> options,
    ILogger<BudgetAlertWebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "budget-webhooks";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.PollInterval);
        do
        {
            try
            {
                List<AlertEvent> due;
                while ((due = await alerts.ClaimDueAsync(20, o.RequestTimeout * 3, stoppingToken)).Count > 0)
                {
                    await Task.WhenAll(due.Select(e => DeliverAsync(e, o, stoppingToken)));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not read due budget alert deliveries; retrying in {Interval}", o.PollInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task DeliverAsync(AlertEvent alert, BudgetWebhookOptions o, CancellationToken stoppingToken)
    {
        var attempt = alert.Attempts + 1;
        int? statusCode = null;
        string error;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(o.RequestTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, alert.WebhookUrl)
            {
                Content = JsonContent.Create(Payload(alert), options: Json),
            };
            request.Headers.Add("X-LatticeLock-Alert-Id", alert.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("X-LatticeLock-Event", "budget.threshold_crossed");
            request.Options.Set(LatticeLock.ServiceDefaults.ServiceDefaultsExtensions.RecordHostOnly, true); // the URL is the subscriber's secret
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            statusCode = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await alerts.MarkDeliveredAsync(alert.Id, attempt, statusCode.Value, CancellationToken.None);
                logger.LogInformation("Delivered budget alert {AlertId} ({Threshold}%) to {Host} on attempt {Attempt}", alert.Id, alert.ThresholdPct, HostOf(alert.WebhookUrl), attempt);
                return;
            }
            error = $"HTTP {statusCode}";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return; // the lease runs out and another silo (or this one, restarted) tries again
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            // What callers read back (last_error) never carries text from the target or its network (that would make
            // webhooks a probe of the internal network): a category only. The details go to the silo's log.
            error = e switch
            {
                // the handler wraps what its connect callback throws
                WebhookTargetRefusedException or { InnerException: WebhookTargetRefusedException } => "refused: the webhook host resolves to no public address",
                OperationCanceledException => $"no answer within {o.RequestTimeout.TotalSeconds:0.#} s",
                HttpRequestException => "the connection failed",
                _ => "the request could not be sent",
            };
            logger.LogInformation(e, "Budget alert {AlertId} delivery attempt {Attempt} to {Host} failed", alert.Id, attempt, HostOf(alert.WebhookUrl));
        }

        var retryAfter = attempt >= o.MaxAttempts ? (TimeSpan?)null : new ExponentialBackoff(o.InitialBackoff, o.MaxBackoff).DelayBefore(attempt);
        try
        {
            await alerts.MarkAttemptFailedAsync(alert.Id, attempt, statusCode, error, retryAfter, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not record delivery attempt {Attempt} of budget alert {AlertId}", attempt, alert.Id);
        }
        if (retryAfter is null) logger.LogWarning("Gave up delivering budget alert {AlertId} to {Host} after {Attempts} attempts: {Error}", alert.Id, HostOf(alert.WebhookUrl), attempt, error);
        else logger.LogInformation("Budget alert {AlertId} delivery attempt {Attempt} failed ({Error}); retrying in {Delay}", alert.Id, attempt, error, retryAfter);
    }

    /// <summary>Only scheme and host go to logs: webhook URLs often carry their secret in the path.</summary>
    private static string HostOf(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}" : "(invalid url)";

    private static object Payload(AlertEvent a) => new
    {
        Event = "budget.threshold_crossed",
        AlertId = a.Id,
        ProjectId = a.ProjectId,
        PeriodStart = a.PeriodStart,
        ThresholdPct = a.ThresholdPct,
        SpentUsd = a.SpentUsd,
        MonthlyUsd = a.MonthlyUsd,
        CreatedAt = a.CreatedAt,
    };
}
