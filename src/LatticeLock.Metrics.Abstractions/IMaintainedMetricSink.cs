namespace LatticeLock.Metrics.Abstractions;

/// <summary>A sink with periodic upkeep (e.g. creating time partitions ahead), run by its delivery pump's reminder.</summary>
public interface IMaintainedMetricSink
{
    Task MaintainAsync(CancellationToken cancellationToken);
}
