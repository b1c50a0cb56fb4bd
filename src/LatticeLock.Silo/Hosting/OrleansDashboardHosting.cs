using System.Net;
using LatticeLock.Silo.Clustering;
using Orleans.Dashboard;

namespace LatticeLock.Silo.Hosting;

/// <summary>
/// The Orleans Dashboard (grain activations, calls, silos, reminders) on the silo's HTTP port at
/// <c>/orleans-dashboard/</c>, for development: on only with <c>LatticeLock__Silo__OrleansDashboard=true</c> (the AppHost
/// sets it), and then answering loopback callers only, because it shows grain keys, state and logs to anyone it serves.
/// </summary>
public static class OrleansDashboardHosting
{
    public const string RoutePrefix = "/orleans-dashboard";

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetSection(SiloHostOptions.Section).GetValue<bool>(nameof(SiloHostOptions.OrleansDashboard));

    public static ISiloBuilder AddLatticeLockOrleansDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (IsEnabled(configuration)) silo.AddDashboard();
        return silo;
    }

    public static WebApplication MapLatticeLockOrleansDashboard(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration)) return app;
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(RoutePrefix) && context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("the Orleans Dashboard answers loopback callers only", context.RequestAborted);
                return;
            }
            await next(context);
        });
        app.MapOrleansDashboard(RoutePrefix);
        return app;
    }
}
