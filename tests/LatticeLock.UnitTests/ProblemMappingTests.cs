using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Silo.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;

namespace LatticeLock.UnitTests;

/// <summary>Infrastructure trouble is a 503 with Retry-After, a value PostgreSQL cannot store is a 400: never a 500.</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public async Task A_503_says_when_to_retry()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        await ProblemMapping.Result(503, "the database is unavailable").ExecuteAsync(context);
        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("application/problem+json", context.Response.ContentType);
    }

    [Fact]
    public async Task A_cancellation_inside_the_silo_while_the_client_waits_is_a_503_not_a_500()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        var middleware = new ProblemMapping(_ => throw new OperationCanceledException("Query was cancelled", new TimeoutException("read")),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ProblemMapping>.Instance);
        await middleware.InvokeAsync(context);
        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void Database_and_cluster_failures_map_to_503_and_unstorable_values_to_400()
    {
        Assert.Equal(503, ProblemMapping.Map(new NpgsqlException("connection refused"))!.Value.Status);
        Assert.Equal(503, ProblemMapping.Map(new TimeoutException("response did not arrive on time"))!.Value.Status);
        Assert.Equal(503, ProblemMapping.Map(new OrleansException("silo unavailable"))!.Value.Status);
        // Orleans wraps a grain-storage failure around Npgsql's; a wrapped known error keeps its own status.
        Assert.Equal(503, ProblemMapping.Map(new OrleansException("state write failed", new NpgsqlException("broken pipe")))!.Value.Status);
        Assert.Equal(409, ProblemMapping.Map(new OrleansException("wrapped", new ConflictException("version", "stale")))!.Value.Status);
        var nul = new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021");
        var mapped = ProblemMapping.Map(nul)!.Value;
        Assert.Equal(400, mapped.Status);
        Assert.Contains("0x00", mapped.Detail);
        Assert.Equal(503, ProblemMapping.Map(new PostgresException("too many connections", "FATAL", "FATAL", "53300"))!.Value.Status);
        // Permanent refusals are the input's: a constraint is 409, a program limit 400; retrying would fail the same way.
        Assert.Equal(409, ProblemMapping.Map(new PostgresException("violates check constraint", "ERROR", "ERROR", "23514"))!.Value.Status);
        Assert.Equal(400, ProblemMapping.Map(new PostgresException("index row size exceeds maximum", "ERROR", "ERROR", "54000"))!.Value.Status);
        Assert.Equal(400, ProblemMapping.Map(new StorageFailureException("database operation failed (SQLSTATE 22P02)", "22P02"))!.Value.Status);
        Assert.Equal(503, ProblemMapping.Map(new StorageFailureException("database operation failed (SQLSTATE 08006)", "08006"))!.Value.Status);
        // A 503 names no host, address or driver text.
        var down = ProblemMapping.Map(new NpgsqlException("Failed to connect to 10.1.2.3:5432", new System.Net.Sockets.SocketException(111)))!.Value;
        Assert.Equal(503, down.Status);
        Assert.DoesNotContain("10.1.2.3", down.Detail);
        Assert.DoesNotContain("10.1.2.3", ProblemMapping.Map(new OrleansException("silo S10.1.2.3:11111:1 is unavailable"))!.Value.Detail);
    }
}
