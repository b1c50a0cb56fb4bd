using System.Diagnostics.Metrics;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// The retention job's progress in OpenTelemetry (meter <c>LatticeLock.Retention</c>): rows deleted and partitions
/// dropped per table (tag <c>latticelock.table</c>), counted as each statement commits, and the duration of each pass.
/// </summary>
public static class RetentionTelemetry
{
    public const string Name = "LatticeLock.Retention";
    public const string TableTag = "latticelock.table";

    private static readonly Meter Meter = new(Name);
    public static readonly Counter<long> RowsDeleted = Meter.CreateCounter<long>("latticelock.retention.rows_deleted", "{row}", "Expired rows deleted by the retention job");
    public static readonly Counter<long> PartitionsDropped = Meter.CreateCounter<long>("latticelock.retention.partitions_dropped", "{partition}", "Monthly partitions dropped because every row had expired");
    public static readonly Histogram<double> PassDuration = Meter.CreateHistogram<double>("latticelock.retention.pass_duration", "s", "Duration of one pass of the retention job");
}
