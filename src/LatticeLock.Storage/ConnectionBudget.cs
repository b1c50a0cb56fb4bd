using Microsoft.Extensions.Options;
using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// The PostgreSQL connections one silo may hold (section <c>LatticeLock:Database</c>), split between its three pools:
/// Orleans' ADO.NET providers (clustering and reminders share one pool, keyed by their connection string)
/// get <see cref="OrleansConnections"/>; analytics and reports get <see cref="AnalyticsConnections"/> (their own small
/// pool, each statement cut at <see cref="AnalyticsStatementTimeout"/>, so no number of analytics calls can take the
/// log's connections or hold a server process for long); LatticeLock's data source (the request and span logs,
/// repositories, trace reads, listeners) gets the rest. Pool sizes are set from here, never from the connection string, so the budget is the one
/// number to fit into PostgreSQL's <c>max_connections</c> (times the number of silos, plus the CLI and any other client).
/// </summary>
public sealed class ConnectionBudget
{
    public const string Section = "LatticeLock:Database";
    private const string MaxPoolSizeKeyword = "Maximum Pool Size";

    /// <summary>All connections this silo opens to PostgreSQL, both pools together.</summary>
    public int MaxConnections { get; set; } = 50;

    /// <summary>The part of <see cref="MaxConnections"/> for Orleans' ADO.NET providers.</summary>
    public int OrleansConnections { get; set; } = 10;

    /// <summary>The part of <see cref="MaxConnections"/> for analytics and reports; a caller past it waits up to 5 s, then gets 503.</summary>
    public int AnalyticsConnections { get; set; } = 4;

    /// <summary>The longest an analytics statement may run; past it PostgreSQL cancels it and the caller gets 503.</summary>
    public TimeSpan AnalyticsStatementTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The data source's pool: what the Orleans and analytics pools leave.</summary>
    public int DataSourceConnections => MaxConnections - OrleansConnections - AnalyticsConnections;

    /// <summary>What is wrong with the numbers; empty when they can work.</summary>
    public List<string> Problems(int requestLogBatches, int spanLogBatches)
    {
        var errors = new List<string>();
        if (OrleansConnections < 2)
            errors.Add($"{Section}:OrleansConnections must be at least 2 (is {OrleansConnections}): membership and reminders share that pool");
        // Both logs' committing batches, the NOTIFY listener, and room for a query and a pump.
        if (AnalyticsConnections < 1)
            errors.Add($"{Section}:AnalyticsConnections must be at least 1 (is {AnalyticsConnections})");
        if (AnalyticsStatementTimeout < TimeSpan.FromSeconds(1) || AnalyticsStatementTimeout > TimeSpan.FromHours(1))
            errors.Add($"{Section}:AnalyticsStatementTimeout must be between 1 second and 1 hour (is {AnalyticsStatementTimeout})");
        var needed = requestLogBatches + spanLogBatches + 3;
        if (DataSourceConnections < needed)
            errors.Add($"{Section}:MaxConnections ({MaxConnections}) leaves {DataSourceConnections} connections after {Section}:OrleansConnections ({OrleansConnections}) and {Section}:AnalyticsConnections ({AnalyticsConnections}); "
                + $"the data source needs at least {needed} ({ModelRequests.ModelRequestLog.Section}:ConcurrentBatches = {requestLogBatches}, {Traces.SpanLog.Section}:ConcurrentBatches = {spanLogBatches}, plus 3)");
        if (MaxConnections > 10_000) errors.Add($"{Section}:MaxConnections must be at most 10000 (is {MaxConnections})");
        return errors;
    }

    /// <summary>The data source's connection string: <paramref name="connectionString"/> with its pool size from the budget.</summary>
    public string ForDataSource(string connectionString) => WithPoolSize(connectionString, DataSourceConnections);

    /// <summary>
    /// The analytics pool's connection string: its size from the budget, a 5 s wait for a free connection, and every
    /// statement cut at <see cref="AnalyticsStatementTimeout"/> by the server.
    /// </summary>
    public string ForAnalytics(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(WithPoolSize(connectionString, AnalyticsConnections))
        {
            Timeout = 5,
            ApplicationName = "latticelock-analytics",
        };
        builder.Options = $"{builder.Options} -c statement_timeout={(int)AnalyticsStatementTimeout.TotalMilliseconds}".Trim();
        return builder.ConnectionString;
    }

    /// <summary>The connection string for Orleans' ADO.NET providers, with their pool size from the budget.</summary>
    public string ForOrleans(string connectionString) => WithPoolSize(connectionString, OrleansConnections);

    /// <summary>True when the connection string sets a pool size of its own (refused: the budget sets them).</summary>
    public static bool SetsPoolSize(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).ConnectionString.Contains(MaxPoolSizeKeyword + "=", StringComparison.OrdinalIgnoreCase);

    private static string WithPoolSize(string connectionString, int size)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = size };
        if (builder.MinPoolSize > size) builder.MinPoolSize = size;
        return builder.ConnectionString;
    }
}

/// <summary>Fails start-up naming the <see cref="ConnectionBudget"/> setting at fault.</summary>
public sealed class ConnectionBudgetValidator(IOptionsMonitor<Commits.GroupCommitOptions> logs) : IValidateOptions<ConnectionBudget>
{
    public ValidateOptionsResult Validate(string? name, ConnectionBudget budget) =>
        budget.Problems(logs.Get(ModelRequests.ModelRequestLog.Section).ConcurrentBatches, logs.Get(Traces.SpanLog.Section).ConcurrentBatches) is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
