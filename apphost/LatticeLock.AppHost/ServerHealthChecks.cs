using Microsoft.Extensions.DependencyInjection;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace LatticeLock.AppHost;

/// <summary>Health checks the AppHost runs against PostgreSQL and Redis so that dependents start once each accepts connections.</summary>
internal static class ServerHealthChecks
{
    public static IHealthChecksBuilder AddPostgresAcceptsConnections(this IHealthChecksBuilder checks, string name, string connectionString) =>
        checks.AddAsyncCheck(name, async ct =>
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 2 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });

    public static IHealthChecksBuilder AddRedisAcceptsConnections(this IHealthChecksBuilder checks, string name, string connectionString) =>
        checks.AddAsyncCheck(name, async ct =>
        {
            try
            {
                var options = ConfigurationOptions.Parse(connectionString);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is RedisException or SocketException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });

    /// <summary>Healthy once something accepts TCP connections on the loopback port (the sink emulators).</summary>
    public static IHealthChecksBuilder AddTcpAcceptsConnections(this IHealthChecksBuilder checks, string name, int port) =>
        checks.AddAsyncCheck(name, async ct =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, ct);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });
}
