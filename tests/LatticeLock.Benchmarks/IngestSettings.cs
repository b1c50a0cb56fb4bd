namespace LatticeLock.Benchmarks;

public sealed record IngestSettings(int Requests, int Callers, int Sessions, int NaiveSeconds, int CopyBatch, int AnalyticsRows)
{
    /// <summary>Single requests posted in the HTTP mode (batches post twice as many rows).</summary>
    public int HttpRequests { get; init; } = 20_000;
    public int HttpConnections { get; init; } = 64;
    public int HttpBatchConnections { get; init; } = 8;
    public int HttpBatchSize { get; init; } = 100;
    /// <summary>Stored requests per session for the activation measurements (0 skips them).</summary>
    public int[] ActivationSizes { get; init; } = [10, 10_000, 1_000_000];
    /// <summary>Sessions activated for the memory measurement (0 skips it).</summary>
    public int MemorySessions { get; init; } = 100_000;

    public static IngestSettings Parse(string[] args)
    {
        var s = new IngestSettings(200_000, 64, 1_000, 10, 1_000, 1_000_000);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--no-analytics")
            {
                s = s with { AnalyticsRows = 0 };
                continue;
            }
            if (args[i] == "--no-http")
            {
                s = s with { HttpRequests = 0 };
                continue;
            }
            if (args[i] == "--no-memory")
            {
                s = s with { MemorySessions = 0 };
                continue;
            }
            if (args[i] == "--no-activation")
            {
                s = s with { ActivationSizes = [] };
                continue;
            }
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], out var v) && v > 0
                ? v : throw new ArgumentException($"{args[i - 1]} needs a positive number");
            s = args[i] switch
            {
                "--requests" => s with { Requests = Next() },
                "--callers" => s with { Callers = Next() },
                "--sessions" => s with { Sessions = Next() },
                "--naive-seconds" => s with { NaiveSeconds = Next() },
                "--copy-batch" => s with { CopyBatch = Next() },
                "--analytics-rows" => s with { AnalyticsRows = Next() },
                "--http-requests" => s with { HttpRequests = Next() },
                "--memory-sessions" => s with { MemorySessions = Next() },
                "--http-connections" => s with { HttpConnections = Next() },
                "--http-batch-connections" => s with { HttpBatchConnections = Next() },
                "--http-batch-size" => s with { HttpBatchSize = Next() },
                "--activation-max" => s with { ActivationSizes = UpTo(Next()) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return s;
    }

    private static int[] UpTo(int max) => [.. new[] { 10, 10_000, 1_000_000 }.Where(n => n <= max)];
}
