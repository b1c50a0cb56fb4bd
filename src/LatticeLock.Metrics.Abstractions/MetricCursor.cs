namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// A position in model_requests ordered by (xact_id, id): every row at or before it has been delivered. Rows are
/// read only from transactions below the snapshot's xmin, all finished, so no row can appear behind the cursor.
/// </summary>
public readonly record struct MetricCursor(ulong XactId, Guid RequestId)
{
    public static readonly MetricCursor Start = new(0, Guid.Empty);
}
