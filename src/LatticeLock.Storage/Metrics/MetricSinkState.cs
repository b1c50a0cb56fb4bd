using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.Storage.Metrics;

/// <summary>A sink's cursor and health as stored in metric_sink_cursors, with its backlog.</summary>
public sealed record MetricSinkState(
    string Sink,
    MetricCursor Cursor,
    long Delivered,
    long Rejected,
    DateTimeOffset? LastSuccessAt,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int ConsecutiveFailures,
    long Pending,
    double LagSeconds);
