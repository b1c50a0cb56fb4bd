using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>Group-commit settings of the model-request log (section <c>LatticeLock:ModelRequestLog</c>).</summary>
public sealed class ModelRequestLogOptions
{
    public const string Section = "LatticeLock:ModelRequestLog";

    /// <summary>A batch is committed as soon as it holds this many rows.</summary>
    public int MaxBatchSize { get; set; } = 2000;

    /// <summary>
    /// …or when its oldest row has waited this long since it was enqueued, whichever comes first. The default, zero,
    /// closes a batch as soon as no more rows are waiting: rows that arrive while earlier batches commit form the next
    /// batch (natural group commit). A few milliseconds trades latency for fewer, larger commits at low concurrency;
    /// the ingest benchmark on 2 cores measured any linger as a loss for closed-loop callers.
    /// </summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Batches committed in parallel, each on its own connection; while they commit the next batch fills.</summary>
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>A batch not committed within this time is abandoned (its connection dropped) and its callers failed.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the silo is asked to stop, callers whose rows are still uncommitted this long afterwards (their commits
    /// hang: a lost synchronous standby, a frozen server) are answered 503 and not acknowledged, so they retry on
    /// another silo while this one finishes stopping within <c>LatticeLock:Silo:ShutdownTimeout</c>.
    /// </summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows that may wait for a batch before callers are made to wait (back-pressure).</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>
    /// Bytes that rows awaiting their commit may hold (estimated by <see cref="ModelRequestRowSize"/>); a request that
    /// would pass it is refused at once (503 with Retry-After, nothing queued), so large raw bodies cannot exhaust memory.
    /// </summary>
    public long QueueCapacityBytes { get; set; } = 256L * 1024 * 1024;
}

public sealed class ModelRequestLogOptionsValidator : IValidateOptions<ModelRequestLogOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelRequestLogOptions o)
    {
        var errors = new List<string>();
        if (o.MaxBatchSize is < 1 or > 100_000) errors.Add($"{ModelRequestLogOptions.Section}:MaxBatchSize must be between 1 and 100000 (got {o.MaxBatchSize})");
        if (o.MaxBatchDelay < TimeSpan.Zero || o.MaxBatchDelay > TimeSpan.FromSeconds(1)) errors.Add($"{ModelRequestLogOptions.Section}:MaxBatchDelay must be between 0 and 1 second (got {o.MaxBatchDelay})");
        if (o.ConcurrentBatches is < 1 or > 64) errors.Add($"{ModelRequestLogOptions.Section}:ConcurrentBatches must be between 1 and 64 (got {o.ConcurrentBatches})");
        if (o.CommitTimeout < TimeSpan.FromSeconds(1) || o.CommitTimeout > TimeSpan.FromMinutes(10)) errors.Add($"{ModelRequestLogOptions.Section}:CommitTimeout must be between 1 second and 10 minutes (got {o.CommitTimeout})");
        if (o.ShutdownDrainTimeout < TimeSpan.Zero || o.ShutdownDrainTimeout > TimeSpan.FromMinutes(10)) errors.Add($"{ModelRequestLogOptions.Section}:ShutdownDrainTimeout must be between 0 and 10 minutes (got {o.ShutdownDrainTimeout})");
        if (o.QueueCapacityBytes is < 1024 * 1024 or > 16L * 1024 * 1024 * 1024) errors.Add($"{ModelRequestLogOptions.Section}:QueueCapacityBytes must be between 1048576 (1 MiB) and 17179869184 (16 GiB) (got {o.QueueCapacityBytes})");
        if (o.QueueCapacity < o.MaxBatchSize) errors.Add($"{ModelRequestLogOptions.Section}:QueueCapacity must be at least MaxBatchSize (got {o.QueueCapacity})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
