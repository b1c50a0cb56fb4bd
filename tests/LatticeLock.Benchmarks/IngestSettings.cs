namespace LatticeLock.Benchmarks;

public sealed record IngestSettings(int Requests, int Callers, int Sessions, int NaiveSeconds, int CopyBatch, int AnalyticsRows)
{
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
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return s;
    }
}
