using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Health;
using LatticeLock.Silo.Hosting;
using LatticeLock.Silo.Http;
using Microsoft.Extensions.Options;

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.UseOrleans(silo => silo
        .AddLatticeLock(builder.Configuration)
        .UseLatticeLockEndpoints());
    builder.Services.AddLatticeLockHealthChecks();
    builder.Services.AddLatticeLockGateway();
    app = builder.Build();
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
{
    return Misconfigured(e);
}

app.MapLatticeLockGateway();
app.MapLatticeLockHealth();
app.LogAddressesOnStart();

try
{
    await app.RunAsync();
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
