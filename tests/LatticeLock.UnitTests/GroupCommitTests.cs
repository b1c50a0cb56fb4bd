using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Commits;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LatticeLock.UnitTests;

/// <summary>
/// The one group-commit engine under the request log and the span log (issue 22, item 5), with a committer that
/// records its batches instead of a database: byte bounds, splitting out refused items, all-or-nothing failure,
/// unconfirmed commits, and a drained stop.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task A_batch_closes_at_its_byte_bound_and_every_caller_gets_its_own_answer()
    {
        var committer = new RecordingCommitter();
        await using var commits = Engine(committer, new GroupCommitOptions { ConcurrentBatches = 1, MaxBatchBytes = 64 * 1024 }, size: 20 * 1024);
        committer.Gate = new TaskCompletionSource();
        var first = commits.AppendAsync(0); // holds the only committer while the others queue
        await committer.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 7).Select(i => commits.AppendAsync(i)).ToList();
        committer.Gate.SetResult();

        Assert.Equal(0, await first);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => i * 10), await Task.WhenAll(rest).WaitAsync(TimeSpan.FromSeconds(10)));
        // 20 KiB items, 64 KiB a batch: at most 3 items in any batch after the first.
        Assert.Equal([[0], [1, 2, 3], [4, 5, 6], [7]], committer.Batches);
    }

    [Fact]
    public async Task An_item_the_database_refuses_for_its_data_fails_alone_and_its_neighbours_commit()
    {
        var committer = new RecordingCommitter { RefuseItem = 3 };
        await using var commits = Engine(committer, new GroupCommitOptions { ConcurrentBatches = 1 });
        committer.Gate = new TaskCompletionSource();
        var first = commits.AppendAsync(0);
        await committer.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 5).Select(i => commits.AppendAsync(i)).ToList();
        committer.Gate.SetResult();

        await first;
        var refused = await Assert.ThrowsAsync<InvalidFieldException>(() => rest[2]);
        Assert.Equal("value", refused.Field);
        foreach (var i in new[] { 0, 1, 3, 4 }) Assert.Equal((i + 1) * 10, await rest[i]);
    }

    [Fact]
    public async Task A_batch_that_cannot_be_committed_fails_every_caller_in_it_and_acknowledges_nothing()
    {
        var committer = new RecordingCommitter { Failure = new NpgsqlException("connection refused") };
        await using var commits = Engine(committer, new GroupCommitOptions());
        var calls = Enumerable.Range(0, 4).Select(i => commits.AppendAsync(i)).ToList();
        foreach (var call in calls)
        {
            var failure = await Assert.ThrowsAsync<NotAcknowledgedException>(() => call);
            Assert.Contains("the database is unavailable", failure.Message, StringComparison.Ordinal);
            Assert.Contains("retry with the same id", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_commit_not_confirmed_within_the_commit_timeout_is_not_acknowledged()
    {
        var committer = new RecordingCommitter { Gate = new TaskCompletionSource() }; // never opens: a hanging commit
        await using var commits = Engine(committer, new GroupCommitOptions(), commitTimeout: TimeSpan.FromSeconds(1));
        var failure = await Assert.ThrowsAsync<NotAcknowledgedException>(() => commits.AppendAsync(1));
        Assert.Contains("not confirmed within 1 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_its_byte_capacity_a_write_is_refused_at_once_and_a_stop_drains_what_was_accepted()
    {
        var committer = new RecordingCommitter { Gate = new TaskCompletionSource() };
        await using var commits = Engine(committer, new GroupCommitOptions { ConcurrentBatches = 1, QueueCapacityBytes = 1024 * 1024 }, size: 600 * 1024);
        var accepted = commits.AppendAsync(1);
        await committer.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = await Assert.ThrowsAsync<OverloadedException>(() => commits.AppendAsync(2));
        Assert.Contains("LatticeLock:Test:QueueCapacityBytes", refused.Message, StringComparison.Ordinal);

        var stop = commits.StopAsync(CancellationToken.None);
        Assert.False(stop.IsCompleted); // waits for the commit in flight
        committer.Gate.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10, await accepted);
        await Assert.ThrowsAsync<NotAcknowledgedException>(() => commits.AppendAsync(3)); // stopped: refused, not lost
    }

    private static GroupCommit<int, int> Engine(RecordingCommitter committer, GroupCommitOptions options, long size = 100, TimeSpan? commitTimeout = null) =>
        new("test items", "LatticeLock:Test", options, commitTimeout ?? TimeSpan.FromSeconds(30), () => committer, _ => size, NullLogger.Instance);

    /// <summary>Answers item × 10; records each batch; can wait on a gate, refuse one item's data, or fail.</summary>
    private sealed class RecordingCommitter : IBatchCommitter<int, int>
    {
        public List<int[]> Batches { get; } = [];
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource? Gate { get; set; }
        public int? RefuseItem { get; init; }
        public Exception? Failure { get; init; }

        public async Task<IReadOnlyList<int>> CommitAsync(IReadOnlyList<int> items, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
                Gate = null;
            }
            if (Failure is not null) throw Failure;
            if (RefuseItem is { } refused && items.Contains(refused)) throw new PostgresException("value out of range", "ERROR", "ERROR", "22003");
            lock (Batches) Batches.Add([.. items]);
            return items.Select(i => i * 10).ToList();
        }

        public Exception Refused(PostgresException e) => new InvalidFieldException("value", $"refused (SQLSTATE {e.SqlState})");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
