using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>Metric points for sink tests: varied fields, distinct ids, times on whole milliseconds.</summary>
public static class MetricPoints
{
    public static readonly DateTimeOffset BaseTime = new(2026, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);

    public static MetricPoint One(int i, string provider = "acme", string model = "m-large") => new(
        RequestId: Guid.NewGuid(),
        Time: BaseTime.AddMilliseconds(i * 1_001),
        ProjectId: i % 3 == 0 ? null : Guid.NewGuid(),
        UserId: Guid.NewGuid(),
        SessionId: Guid.NewGuid(),
        Provider: provider,
        ModelId: model,
        TaskType: i % 4 == 0 ? null : "summarize",
        Status: (i % 5) switch { 0 => "error", 1 => "timeout", _ => "success" },
        LatencyMs: i % 7 == 0 ? null : 100 + i,
        InputTokens: 1_000 + i,
        OutputTokens: 200 + i,
        CostUsd: i % 6 == 0 ? null : 0.00125m * (i + 1));

    public static List<MetricPoint> Many(int count, string provider = "acme", string model = "m-large") =>
        Enumerable.Range(0, count).Select(i => One(i, provider, model)).ToList();
}
