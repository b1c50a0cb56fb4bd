namespace LatticeLock.Metrics.Abstractions;

/// <summary>What a consumer did with one batch.</summary>
/// <param name="Advanced">False when another pump moved the cursor first (the batch is then read again from there).</param>
public sealed record MetricConsumeResult(bool Advanced, int Written, int Rejected);
