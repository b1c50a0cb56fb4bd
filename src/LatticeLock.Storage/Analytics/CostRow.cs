namespace LatticeLock.Storage.Analytics;

/// <summary>Totals of one group; <see cref="Key"/> is null for requests without that dimension (no task type, no project).</summary>
public sealed record CostRow(string? Key, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);
