using LatticeLock.Storage;
using Npgsql;

namespace LatticeLock.UnitTests;

/// <summary>How the connection budget sizes the two pools and which budgets it refuses (issue 13, item 3).</summary>
public sealed class ConnectionBudgetRulesTests
{
    [Fact]
    public void The_budget_sizes_the_data_source_and_the_orleans_pool_and_overrides_nothing_else()
    {
        var budget = new ConnectionBudget { MaxConnections = 30, OrleansConnections = 6 };
        var dataSource = new NpgsqlConnectionStringBuilder(budget.ForDataSource("Host=db;Database=lattice;Minimum Pool Size=40;Timeout=7"));
        Assert.Equal((20, 20, 7, "db"), (dataSource.MaxPoolSize, dataSource.MinPoolSize, dataSource.Timeout, dataSource.Host));
        Assert.Equal(6, new NpgsqlConnectionStringBuilder(budget.ForOrleans("Host=db")).MaxPoolSize);
        // Analytics: 4 connections of their own, a 5 s wait for one, statements cut after 10 s.
        var analytics = new NpgsqlConnectionStringBuilder(budget.ForAnalytics("Host=db;Database=lattice"));
        Assert.Equal((4, 5, "-c statement_timeout=10000"), (analytics.MaxPoolSize, analytics.Timeout, analytics.Options));
        Assert.Empty(budget.Problems(requestLogBatches: 2, spanLogBatches: 2));
    }

    [Theory]
    [InlineData(10, 4, 2, "LatticeLock:Database:MaxConnections (10) leaves 2 connections after LatticeLock:Database:OrleansConnections (4) and LatticeLock:Database:AnalyticsConnections (4); the data source needs at least 7")]
    [InlineData(50, 1, 2, "LatticeLock:Database:OrleansConnections must be at least 2")]
    [InlineData(20000, 10, 2, "LatticeLock:Database:MaxConnections must be at most 10000")]
    [InlineData(24, 4, 16, "the data source needs at least 21 (LatticeLock:ModelRequestLog:ConcurrentBatches = 16, LatticeLock:SpanLog:ConcurrentBatches = 2")]
    public void Budgets_that_cannot_work_are_refused_naming_the_setting(int max, int orleans, int batches, string expected)
    {
        var problems = new ConnectionBudget { MaxConnections = max, OrleansConnections = orleans }.Problems(batches, 2);
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal) || p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=500", false)]
    [InlineData("Host=db;MaxPoolSize=5", false)]
    [InlineData("postgres://u@db/lattice?Maximum%20Pool%20Size=9", false)]
    [InlineData("Host=db;Database=lattice", true)]
    public void A_pool_size_in_the_connection_string_is_refused_naming_the_budget(string connectionString, bool accepted)
    {
        var result = new DatabaseOptionsValidator().Validate(null, new DatabaseOptions { ConnectionString = connectionString });
        Assert.Equal(accepted, result.Succeeded);
        if (!accepted) Assert.Contains("LatticeLock:Database:MaxConnections", result.FailureMessage);
    }
}
