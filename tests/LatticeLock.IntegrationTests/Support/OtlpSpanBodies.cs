namespace LatticeLock.IntegrationTests;

/// <summary>OTLP/JSON export bodies for tests: one trace of a session's spans.</summary>
internal static class OtlpSpanBodies
{
    /// <summary>A new trace of <paramref name="spans"/> spans of <paramref name="session"/> ending at <paramref name="end"/>, each 1 ms long; returns its id and the body.</summary>
    public static (string TraceId, string Body) OneTrace(Guid session, DateTimeOffset end, int spans)
    {
        var trace = Guid.NewGuid().ToString("N");
        var nanos = (end - DateTimeOffset.UnixEpoch).Ticks * 100;
        var items = string.Join(",", Enumerable.Range(0, spans).Select(s => $$$"""
            {"traceId":"{{{trace}}}","spanId":"{{{trace[..15]}}}{{{s}}}","name":"step {{{s}}}","kind":1,"startTimeUnixNano":"{{{nanos - 1_000_000}}}",
             "endTimeUnixNano":"{{{nanos}}}","attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"{{{session}}}"}}]}
            """));
        return (trace, $$$"""{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]},"scopeSpans":[{"spans":[{{{items}}}]}]}]}""");
    }
}
