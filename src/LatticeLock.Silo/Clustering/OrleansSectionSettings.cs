namespace LatticeLock.Silo.Clustering;

/// <summary>
/// Orleans' own configuration section (<c>Orleans__ClusterId</c>, <c>Orleans__Clustering__ProviderType</c>, …), which the
/// Aspire AppHost's Orleans resource passes to each silo. When it names a provider, Orleans configures that part from
/// the section and the silo does not configure it a second time from <c>LatticeLock:Silo</c> / <c>ConnectionStrings</c>.
/// </summary>
public static class OrleansSectionSettings
{
    /// <summary>Clustering, cluster and service ids and the silo/gateway ports come from the <c>Orleans</c> section.</summary>
    public static bool ConfiguresClustering(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["Orleans:Clustering:ProviderType"]);

    public static bool ConfiguresReminders(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["Orleans:Reminders:ProviderType"]);

    /// <summary>Whether <c>Orleans:Endpoints:NAME</c> is set explicitly.</summary>
    public static bool SetsEndpoint(IConfiguration configuration, string name) =>
        !string.IsNullOrWhiteSpace(configuration[$"Orleans:Endpoints:{name}"]);
}
