using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Persistence;
using LatticeLock.Storage;
using LatticeLock.Storage.ModelRequests;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LatticeLock.UnitTests;

public sealed class ConfigurationTests
{
    [Fact]
    public void Postgres_urls_are_normalised_to_npgsql_connection_strings()
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(
            "postgres://lattice:s%40cret@db.example.com:6543/llm_platform?sslmode=require"));
        Assert.Equal("db.example.com", cs.Host);
        Assert.Equal(6543, cs.Port);
        Assert.Equal("lattice", cs.Username);
        Assert.Equal("s@cret", cs.Password);
        Assert.Equal("llm_platform", cs.Database);
        Assert.Equal(SslMode.Require, cs.SslMode);
    }

    [Fact]
    public void Postgresql_scheme_with_socket_host_is_normalised()
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(
            "postgresql://u:p@/db?host=/cloudsql/proj:region:inst"));
        Assert.Equal("/cloudsql/proj:region:inst", cs.Host);
        Assert.Equal("db", cs.Database);
    }

    [Fact]
    public void Npgsql_connection_strings_pass_through()
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize("Host=127.0.0.1;Port=5433;Database=x"));
        Assert.Equal(5433, cs.Port);
    }

    [Theory]
    [InlineData(null, "ConnectionStrings__postgres is not set")]
    [InlineData("", "ConnectionStrings__postgres is not set")]
    [InlineData("Hots=x;Nonsense=1", "ConnectionStrings__postgres is not a valid")]
    [InlineData("postgres://", "ConnectionStrings__postgres is not a valid")]
    public void Missing_or_malformed_database_setting_names_the_setting(string? value, string expected)
    {
        var result = new DatabaseOptionsValidator().Validate(null, new DatabaseOptions { ConnectionString = value });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
    }

    [Fact]
    public void Bad_log_options_name_the_setting()
    {
        var result = new LatticeLock.Storage.Commits.GroupCommitOptionsValidator().Validate(ModelRequestLog.Section, new LatticeLock.Storage.Commits.GroupCommitOptions { MaxBatchSize = 0 });
        Assert.True(result.Failed);
        Assert.Contains("LatticeLock:ModelRequestLog:MaxBatchSize", result.FailureMessage);
        var commit = new LatticeLock.Storage.Commits.CommitOptionsValidator().Validate(null, new LatticeLock.Storage.Commits.CommitOptions { Timeout = TimeSpan.Zero });
        Assert.Contains("LatticeLock:Commit:Timeout", commit.FailureMessage);
    }

    [Fact]
    public void Bad_silo_options_name_the_setting()
    {
        var result = new SiloHostOptionsValidator().Validate(null, new SiloHostOptions { GatewayPort = 70000 });
        Assert.True(result.Failed);
        Assert.Contains("LatticeLock:Silo:GatewayPort", result.FailureMessage);
    }

    [Fact]
    public void Malformed_redis_setting_names_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = "127.0.0.1:6379,bogus=1",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => RedisClusteringSettings.Read(configuration));
        Assert.Contains("ConnectionStrings__redis", error.Message);
    }

    [Fact]
    public void No_redis_setting_means_postgres_clustering()
    {
        var configuration = new ConfigurationBuilder().Build();
        Assert.Null(RedisClusteringSettings.Read(configuration));
    }
}
