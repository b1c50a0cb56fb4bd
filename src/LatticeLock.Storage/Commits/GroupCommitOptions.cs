using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// Batching settings of one group commit, named by its log and bound from its section
/// (<c>LatticeLock:ModelRequestLog</c>, <c>LatticeLock:SpanLog</c>). How long a commit may take is not here: every
/// acknowledged write shares <see cref="CommitOptions.Timeout"/>.
/// </summary>
public sealed class GroupCommitOptions
{
    /// <summary>A batch is committed as soon as it holds this many items (rows, or export requests for spans).</summary>
    public int MaxBatchSize { get; set; } = 2000;

    /// <summary>…or this many estimated bytes, whichever comes first (one item is always taken, however large).</summary>
    public long MaxBatchBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// …or when its oldest item has waited this long since it was enqueued. The default, zero, closes a batch as soon
    /// as nothing more is waiting: items that arrive while earlier batches commit form the next batch (natural group
    /// commit). The ingest benchmark on 2 cores measured any linger as a loss for closed-loop callers.
    /// </summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Batches committed in parallel, each on its own connection; while they commit the next batch fills.</summary>
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>Items that may wait for a batch before callers are made to wait (back-pressure).</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>
    /// Bytes that items awaiting their commit may hold (estimated); an item that would pass it is refused at once
    /// (503 with Retry-After, nothing queued), so large bodies cannot exhaust memory.
    /// </summary>
    public long QueueCapacityBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>Fails start-up naming the setting at fault; <c>name</c> is the log's section.</summary>
public sealed class GroupCommitOptionsValidator : IValidateOptions<GroupCommitOptions>
{
    public ValidateOptionsResult Validate(string? name, GroupCommitOptions o)
    {
        var section = name ?? "group commit";
        var errors = new List<string>();
        if (o.MaxBatchSize is < 1 or > 100_000) errors.Add($"{section}:MaxBatchSize must be between 1 and 100000 (got {o.MaxBatchSize})");
        if (o.MaxBatchBytes is < 64 * 1024 or > 1024L * 1024 * 1024) errors.Add($"{section}:MaxBatchBytes must be between 65536 (64 KiB) and 1073741824 (1 GiB) (got {o.MaxBatchBytes})");
        if (o.MaxBatchDelay < TimeSpan.Zero || o.MaxBatchDelay > TimeSpan.FromSeconds(1)) errors.Add($"{section}:MaxBatchDelay must be between 0 and 1 second (got {o.MaxBatchDelay})");
        if (o.ConcurrentBatches is < 1 or > 64) errors.Add($"{section}:ConcurrentBatches must be between 1 and 64 (got {o.ConcurrentBatches})");
        if (o.QueueCapacityBytes is < 1024 * 1024 or > 16L * 1024 * 1024 * 1024) errors.Add($"{section}:QueueCapacityBytes must be between 1048576 (1 MiB) and 17179869184 (16 GiB) (got {o.QueueCapacityBytes})");
        if (o.QueueCapacity < o.MaxBatchSize) errors.Add($"{section}:QueueCapacity must be at least MaxBatchSize (got {o.QueueCapacity})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
