using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Bigtable;
using LatticeLock.Metrics.Timestream;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LatticeLock.UnitTests;

/// <summary>DI registration of the metric sinks: sections, connection-string overrides, and validation messages that name the setting.</summary>
public sealed class TimeSeriesSinkRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> add)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        add(services, configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Timestream_sink_is_the_metric_sink_and_the_connection_string_overrides_the_endpoint()
    {
        using var provider = Build(new()
        {
            ["Metrics:Timestream:Region"] = "eu-central-1",
            ["Metrics:Timestream:Database"] = "lattice",
            ["Metrics:Timestream:Table"] = "requests",
            ["Metrics:Timestream:AccessKeyId"] = "AKID",
            ["Metrics:Timestream:SecretAccessKey"] = "secret",
            ["Metrics:Timestream:Endpoint"] = "https://vpce.example/",
            ["Metrics:Timestream:MaxAttempts"] = "7",
            ["ConnectionStrings:timestream"] = "http://127.0.0.1:4566",
        }, (s, c) => s.AddTimestreamMetricSink(c));

        var sink = Assert.IsType<TimestreamMetricSink>(provider.GetRequiredService<IMetricSink>());
        Assert.Same(sink, provider.GetRequiredService<IMetricSink>());
        Assert.Equal("timestream", sink.Name);
        var options = provider.GetRequiredService<IOptions<TimestreamOptions>>().Value;
        Assert.Equal(new Uri("http://127.0.0.1:4566"), options.Endpoint);
        Assert.Equal(7, options.MaxAttempts);
        Assert.Equal(100, options.MaxRecordsPerCall);
        Assert.Equal("model_request", options.MeasureName);
    }

    [Fact]
    public void Timestream_validation_names_each_missing_setting()
    {
        using var provider = Build(new()
        {
            ["Metrics:Timestream:Region"] = "eu-central-1",
            ["Metrics:Timestream:AccessKeyId"] = "AKID",
            ["Metrics:Timestream:SecretAccessKey"] = "secret",
            ["Metrics:Timestream:MaxRecordsPerCall"] = "101",
        }, (s, c) => s.AddTimestreamMetricSink(c));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TimestreamOptions>>().Value);

        Assert.Contains("Metrics:Timestream:Database is required", error.Failures);
        Assert.Contains("Metrics:Timestream:Table is required", error.Failures);
        Assert.Contains("Metrics:Timestream:MaxRecordsPerCall must be between 1 and 100 (got 101)", error.Failures);
        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public void Timestream_credentials_fall_back_to_the_environment()
    {
        var options = new TimestreamOptions { Region = "us-east-1", Database = "d", Table = "t" };
        var variables = new[] { AwsCredentials.AccessKeyIdVariable, AwsCredentials.SecretAccessKeyVariable, AwsCredentials.SessionTokenVariable };
        var saved = variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var v in variables) Environment.SetEnvironmentVariable(v, null);
            var failures = new TimestreamOptionsValidator().Validate(null, options).Failures!.ToList();
            Assert.Contains("Metrics:Timestream:AccessKeyId is required (or the environment variable AWS_ACCESS_KEY_ID)", failures);
            Assert.Contains("Metrics:Timestream:SecretAccessKey is required (or the environment variable AWS_SECRET_ACCESS_KEY)", failures);

            Environment.SetEnvironmentVariable(AwsCredentials.AccessKeyIdVariable, "AKIDENV");
            Environment.SetEnvironmentVariable(AwsCredentials.SecretAccessKeyVariable, "env-secret");
            Environment.SetEnvironmentVariable(AwsCredentials.SessionTokenVariable, "env-token");
            Assert.True(new TimestreamOptionsValidator().Validate(null, options).Succeeded);
            Assert.Equal(new AwsCredentials("AKIDENV", "env-secret", "env-token"), AwsCredentials.From(options));
            options.AccessKeyId = "AKIDOPTIONS";
            options.SecretAccessKey = "options-secret";
            Assert.Equal(new AwsCredentials("AKIDOPTIONS", "options-secret", "env-token"), AwsCredentials.From(options));
        }
        finally
        {
            foreach (var (v, value) in saved) Environment.SetEnvironmentVariable(v, value);
        }
    }

    [Fact]
    public void Bigtable_sink_is_a_metric_sink_and_the_connection_string_overrides_the_endpoint()
    {
        using var provider = Build(new()
        {
            ["Metrics:Bigtable:ProjectId"] = "lattice-prod",
            ["Metrics:Bigtable:InstanceId"] = "metrics",
            ["ConnectionStrings:bigtable"] = "http://127.0.0.1:8086",
        }, (s, c) => s.AddBigtableMetricSink(c));

        var sink = Assert.IsType<BigtableMetricSink>(Assert.Single(provider.GetServices<IMetricSink>()));
        Assert.Equal("bigtable", sink.Name);
        var options = provider.GetRequiredService<IOptions<BigtableOptions>>().Value;
        Assert.Equal(new Uri("http://127.0.0.1:8086"), options.Endpoint);
        Assert.Equal("projects/lattice-prod/instances/metrics/tables/model_requests", options.TableName);
        Assert.Equal("m", options.ColumnFamily);
        Assert.False(options.CreateTableIfMissing);
        Assert.Equal(10_000, options.MaxMutationsPerCall);
        Assert.True(options.IsPlaintext);
    }

    [Fact]
    public void Bigtable_validation_names_each_bad_setting()
    {
        using var provider = Build(new()
        {
            ["Metrics:Bigtable:TableId"] = "bad/table",
            ["Metrics:Bigtable:MaxAttempts"] = "0",
            ["ConnectionStrings:bigtable"] = "127.0.0.1:8086",
        }, (s, c) => s.AddBigtableMetricSink(c));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BigtableOptions>>().Value);

        Assert.Equal(
            [
                "Metrics:Bigtable:ProjectId is required",
                "Metrics:Bigtable:InstanceId is required",
                "Metrics:Bigtable:TableId may hold only letters, digits, '-', '_' and '.' (got bad/table)",
                "Metrics:Bigtable:Endpoint (or ConnectionStrings:bigtable) must be an absolute http(s) URL (got 127.0.0.1:8086)",
                "Metrics:Bigtable:MaxAttempts must be between 1 and 20 (got 0)",
            ],
            error.Failures);
    }

    [Fact]
    public void Both_sinks_can_be_registered_side_by_side()
    {
        using var provider = Build(new()
        {
            ["Metrics:Bigtable:ProjectId"] = "p",
            ["Metrics:Bigtable:InstanceId"] = "i",
            ["Metrics:Timestream:Region"] = "us-east-1",
            ["Metrics:Timestream:Database"] = "d",
            ["Metrics:Timestream:Table"] = "t",
            ["Metrics:Timestream:AccessKeyId"] = "a",
            ["Metrics:Timestream:SecretAccessKey"] = "s",
        }, (s, c) => s.AddTimestreamMetricSink(c).AddBigtableMetricSink(c));

        Assert.Equal(["bigtable", "timestream"], provider.GetServices<IMetricSink>().Select(s => s.Name).Order());
    }
}
