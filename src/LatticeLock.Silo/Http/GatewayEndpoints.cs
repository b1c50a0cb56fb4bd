using LatticeLock.Silo.Auth;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LatticeLock.Silo.Http;

/// <summary>The HTTP/JSON gateway co-hosted in the silo: every /v1 route behind API-key authentication.</summary>
public static class GatewayEndpoints
{
    public const long MaxBodyBytes = 1024 * 1024;

    public static IServiceCollection AddLatticeLockGateway(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => JsonSettings.Apply(o.SerializerOptions));
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxBodyBytes);
        services.AddOpenApi();
        services.AddSingleton<Secrets.SecretsMasterKey>();
        services.AddHostedService<Secrets.MasterKeyCheck>();
        services.AddSingleton<AnalyticsPacer>();
        services.AddOptions<Otlp.OtlpOptions>().BindConfiguration(Otlp.OtlpOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Otlp.OtlpOptions>, Otlp.OtlpOptionsValidator>();
        services.AddSingleton<Otlp.OtlpExportGate>();
        services.AddSingleton<Otlp.OtlpTraceIngest>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<KeyRequestLimiter>();
        services.AddSingleton<AuthFailureCounts>();
        services.AddHostedService<AuthFailureWriter>();
        services.AddHostedService<AuthRecordRetention>();
        services.AddSingleton<ApiKeyAuthentication>();
        services.AddSingleton<Prices.CorrectedCostOwners>();
        services.AddHostedService<Prices.CostCorrectionListener>();
        return services;
    }

    public static WebApplication MapLatticeLockGateway(this WebApplication app)
    {
        // Behind a trusted load balancer (LatticeLock:Auth:KnownProxies) the client's address comes from X-Forwarded-For;
        // from anyone else the header is ignored (ASP.NET's default trust of loopback proxies is cleared).
        var forwarding = new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor,
            ForwardLimit = null,
        };
        forwarding.KnownProxies.Clear();
        forwarding.KnownIPNetworks.Clear();
        var (proxies, networks) = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.ParsedKnownProxies();
        foreach (var proxy in proxies) forwarding.KnownProxies.Add(proxy);
        foreach (var network in networks) forwarding.KnownIPNetworks.Add(network);
        if (proxies.Count + networks.Count > 0) app.UseForwardedHeaders(forwarding);
        app.UseMiddleware<ProblemMapping>();
        // Statuses the framework sets without a body (415 from content-type matching, 404 for unknown routes) get problem+json too.
        app.UseStatusCodePages(context => ProblemMapping.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode,
            context.HttpContext.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "the body must be application/json" : "no such resource or route"));
        app.UseMiddleware<ApiKeyAuthentication>();
        app.UseRouting(); // explicitly after authentication, so /v1 is authenticated before any route matching
        app.MapOpenApi("/openapi/{documentName}.json");
        var v1 = app.MapGroup("/v1");
        v1.MapUsersApi();
        v1.MapApiKeysApi();
        v1.MapWorkspacesApi();
        v1.MapCredentialsApi();
        v1.MapProjectsApi();
        v1.MapSessionsApi();
        v1.MapChatsApi();
        v1.MapModelRequestsApi();
        v1.MapPricesApi();
        v1.MapBudgetsApi();
        v1.MapAnalyticsApi();
        v1.MapTracesApi();
        app.MapOtlpTracesApi();
        return app;
    }
}
