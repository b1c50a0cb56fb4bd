namespace LatticeLock.IntegrationTests;

/// <summary>The test classes that share one set of real servers (xunit wants the collection declared in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<ServersFixture>
{
    public const string Name = "real servers";
}
