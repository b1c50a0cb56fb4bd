using LatticeLock.Grains.Abstractions.Users;
using Orleans.Runtime;

namespace LatticeLock.IntegrationTests;

[Collection(ServersCollection.Name)]
public sealed class RedisClusteringTests(ServersFixture servers)
{
    [Fact]
    public async Task Two_silos_form_a_cluster_through_redis_and_serve_the_same_grain_from_either()
    {
        var redis = await servers.RedisAsync();
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database, redis);

        var hosts = await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        // Membership went to Redis, not to PostgreSQL.
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM orleansmembershiptable"));

        var userId = await Scenario.NewUserAsync(cluster.GrainFactory);
        var probeId = Guid.NewGuid();
        var firstHost = await cluster.GrainFactory.GetGrain<ISiloProbeGrain>(probeId).Where();
        var firstUserHost = cluster.Silos.Single(s => s.SiloAddress.ToString() == firstHost);

        await cluster.StopSiloAsync(firstUserHost);
        var secondHost = await cluster.GrainFactory.GetGrain<ISiloProbeGrain>(probeId).Where();
        Assert.NotEqual(firstHost, secondHost);
        Assert.Equal(cluster.Silos.Single().SiloAddress.ToString(), secondHost);
        Assert.Equal($"user-{userId:N}@example.com", (await cluster.GrainFactory.GetGrain<IUserGrain>(userId).Get()).Email);
    }
}
