namespace LatticeLock.Storage.Analytics;

/// <summary>Whose requests a query sees: one user's (non-admin callers), optionally one project's.</summary>
public sealed record AnalyticsScope(Guid? UserId, Guid? ProjectId)
{
    public static readonly AnalyticsScope Everything = new(null, null);
}
