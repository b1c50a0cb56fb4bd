using LatticeLock.ServiceDefaults;
using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Health;
using LatticeLock.Silo.Hosting;
using LatticeLock.Silo.Http;
using Microsoft.Extensions.Options;

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(args);
    // Per-request logs belong in the telemetry (OTLP / the Aspire dashboard), not in the terminal: ASP.NET Core's
    // request lines default to warnings only. Lowest precedence, so Logging__LogLevel__Microsoft.AspNetCore still wins.
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
    {
        InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
    });
    builder.AddServiceDefaults(); // OpenTelemetry logs, metrics and traces; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
    builder.UseOrleans(silo => silo
        .AddLatticeLock(builder.Configuration)
        .UseLatticeLockEndpoints(builder.Configuration)
        .AddLatticeLockOrleansDashboard(builder.Configuration));
    builder.Services.AddLatticeLockHealthChecks();
    builder.Services.AddLatticeLockGateway();
    builder.Services.AddHostedService<ShutdownWatchdog>();
    app = builder.Build();
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
{
    return Misconfigured(e);
}

app.MapLatticeLockGateway();
app.MapLatticeLockHealth();
app.MapLatticeLockOrleansDashboard();
app.LogAddressesOnStart();

try
{
    await app.RunAsync();
    return 0;
}
catch (OperationCanceledException)
{
    // The stop outlasted LatticeLock:Silo:ShutdownTimeout (a commit or a membership update still hangs): exit anyway.
    Console.Error.WriteLine("stopped: work still hanging after LatticeLock:Silo:ShutdownTimeout was abandoned");
    return 0;
}
catch (OptionsValidationException e)
{
    // Settings validated at start (ValidateOnStart) fail here, before the silo joins its cluster.
    return Misconfigured(e);
}

// A misconfiguration: one line naming the setting, no stack trace.
static int Misconfigured(Exception e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
