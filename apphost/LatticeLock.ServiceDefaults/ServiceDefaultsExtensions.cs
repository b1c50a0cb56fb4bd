using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LatticeLock.ServiceDefaults;

/// <summary>
/// The defaults every LatticeLock process starts with, as in the Aspire samples: OpenTelemetry logs, metrics and
/// traces from ASP.NET Core, HttpClient, Npgsql, the .NET runtime, Orleans and our own meters and sources, exported
/// over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the Aspire AppHost sets it; so can any collector's user).
/// Without it nothing is exported and the instrumentation costs almost nothing. Outgoing HTTP gets the standard
/// resilience pipeline (Microsoft.Extensions.Http.Resilience).
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Orleans' activity sources (grain calls, lifecycle) and its meter.</summary>
    public const string OrleansSources = "Microsoft.Orleans.*";
    public const string OrleansMeter = "Microsoft.Orleans";
    /// <summary>
    /// Set to true on an outgoing request whose URL may carry a secret (a webhook's path often is its credential): its
    /// client span records the scheme and host only, never the path or query.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> RecordHostOnly = new("latticelock.telemetry.host-only");

    /// <summary>Every LatticeLock activity source and meter (model-request log, gateway, budgets, metric delivery).</summary>
    public const string LatticeLockSources = "LatticeLock.*";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(OrleansMeter, LatticeLockSources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, OrleansSources, LatticeLockSources)
                // Health probes every few seconds would drown the requests people look for.
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = HostOnlyWhenAsked)
                .AddNpgsql());
        // Outgoing HTTP through IHttpClientFactory gets the standard pipeline: total and per-attempt timeouts, retries of
        // transient failures with jittered backoff, a circuit breaker. A client with its own durable retry schedule
        // (the budget webhooks) removes it and keeps only its timeout.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        return builder;
    }

    private static void HostOnlyWhenAsked(System.Diagnostics.Activity activity, HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(RecordHostOnly, out var hostOnly) || !hostOnly || request.RequestUri is not { } uri) return;
        activity.SetTag("url.full", $"{uri.Scheme}://{uri.Host}");
        activity.SetTag("url.path", null);
        activity.SetTag("url.query", null);
        activity.SetTag("http.url", null);
    }
}
