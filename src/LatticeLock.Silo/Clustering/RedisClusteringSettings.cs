using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace LatticeLock.Silo.Clustering;

/// <summary>Redis clustering is used when <c>ConnectionStrings__redis</c> is set; otherwise membership lives in PostgreSQL.</summary>
public static class RedisClusteringSettings
{
    public const string ConnectionStringName = "redis";
    public const string SettingName = "ConnectionStrings__redis";

    /// <summary>The parsed Redis options, or null when Redis clustering is not configured. Throws naming the setting when malformed.</summary>
    public static ConfigurationOptions? Read(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(value)) return null;
        try
        {
            var options = ConfigurationOptions.Parse(value);
            if (options.EndPoints.Count == 0) throw new ArgumentException("it names no endpoint");
            return options;
        }
        catch (Exception e) when (e is ArgumentException or RedisConnectionException or FormatException)
        {
            throw new InvalidOperationException($"{SettingName} is not a valid Redis configuration string ('host:port[,option=value]'): {e.Message}", e);
        }
    }
}
