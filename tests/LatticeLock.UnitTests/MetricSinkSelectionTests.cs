using LatticeLock.Grains.Metrics;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Silo.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LatticeLock.UnitTests;

/// <summary>The silo's metrics part: sinks know their own names, and only the sinks Metrics:Sinks names are registered.</summary>
public sealed class MetricSinkSelectionTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo.AddLatticeLockMetrics(builder.Configuration));
        return builder.Build();
    }

    [Fact]
    public void The_default_sink_is_the_postgres_sink_the_grains_do_not_reference()
    {
        Assert.Equal(LatticeLock.Metrics.Postgres.PostgresMetricSink.SinkName, LatticeLock.Grains.Metrics.MetricDeliveryOptions.DefaultSinks);
        Assert.Equal(LatticeLock.Metrics.Postgres.PostgresMetricSink.SinkName, new LatticeLock.Grains.Metrics.MetricDeliveryOptions().Sinks);
    }

    [Fact]
    public void An_unknown_sink_name_fails_naming_the_setting_and_the_sinks_the_silo_has()
    {
        using var host = Build(new() { ["Metrics:Sinks"] = "postgres,influx" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<MetricDeliveryOptions>>().Value);

        Assert.Equal(["Metrics:Sinks names an unknown sink 'influx' (known: postgres, timestream, bigtable)"], error.Failures);
    }

    [Fact]
    public void Only_the_named_sinks_are_registered_so_the_others_need_no_settings()
    {
        using var host = Build(new() { ["Metrics:Sinks"] = "timestream", ["Metrics:Timestream:Region"] = "us-east-1",
            ["Metrics:Timestream:Database"] = "d", ["Metrics:Timestream:Table"] = "t", ["Metrics:Timestream:AccessKeyId"] = "a",
            ["Metrics:Timestream:SecretAccessKey"] = "s" });

        Assert.Equal(["timestream"], host.Services.GetServices<IMetricSink>().Select(s => s.Name));
        Assert.Equal(["postgres", "timestream", "bigtable"], host.Services.GetServices<KnownMetricSink>().Select(k => k.Name));
        Assert.True(host.Services.GetRequiredService<IOptions<MetricDeliveryOptions>>().Value.Enabled);
    }
}
