using Aspire.Hosting.Orleans;

namespace LatticeLock.AppHost;

/// <summary>
/// One Orleans provider as the silo's <c>Orleans</c> configuration section names it: <c>ProviderType</c> plus the
/// connection to use by name (<c>ConnectionName</c>, read from <c>ConnectionStrings</c>), and any provider settings.
/// Aspire's own mapping derives the provider type from the resource type, which does not work for connection-string
/// and executable resources; this names it explicitly, so every server mode configures the silos the same way.
/// </summary>
internal sealed class OrleansProvider(string providerType, IResourceBuilder<IResourceWithConnectionString> connection, params (string Name, string Value)[] settings)
    : IProviderConfiguration
{
    public void ConfigureResource<T>(IResourceBuilder<T> resourceBuilder, string configSectionPath) where T : IResourceWithEnvironment
    {
        var prefix = $"Orleans__{configSectionPath.Replace(":", "__", StringComparison.Ordinal)}__";
        resourceBuilder.WithEnvironment(prefix + "ProviderType", providerType);
        resourceBuilder.WithEnvironment(prefix + "ConnectionName", connection.Resource.Name);
        foreach (var (name, value) in settings) resourceBuilder.WithEnvironment(prefix + name, value);
        resourceBuilder.WithReference(connection);
    }
}
