using System.Text;
using Google.Protobuf;
using LatticeLock.Silo.Otlp;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.UnitTests;

/// <summary>
/// What reading an export holds: the spans as rows to store (ids as hex, attributes and events as UTF-8 JSON), measured
/// after full collections while they are held. Protobuf is walked in place and each span decoded only while it is
/// turned into a row, so the request never exists as objects (which alone held 4 times the body); OTLP/JSON is copied
/// token by token and parsed as a stream, never held as a document tree. Guards against regressions.
/// </summary>
public sealed class OtlpDecodeMemoryTests
{
    [Fact]
    public void Reading_an_export_holds_about_twice_the_body_on_both_encodings()
    {
        var export = Export(spans: 4_000);
        var protobuf = export.ToByteArray();
        var json = Encoding.UTF8.GetBytes(JsonOf(export));
        Read(protobuf, OtlpPayload.Protobuf); // warm-up: JIT and parser tables
        Read(json, OtlpPayload.Json);

        var protobufRead = Measure(protobuf, OtlpPayload.Protobuf);
        var jsonRead = Measure(json, OtlpPayload.Json);
        Console.WriteLine($"reading {protobuf.Length:N0} protobuf bytes: {protobufRead.Retained:0.00}x retained, {protobufRead.Allocated:0.00}x allocated; " +
            $"{json.Length:N0} OTLP/JSON bytes: {jsonRead.Retained:0.00}x retained, {jsonRead.Allocated:0.00}x allocated");
        // Both encodings give the same rows, every span of the export.
        Assert.Equal(4_000, protobufRead.Spans.Count);
        Assert.Equal(Rows(protobufRead.Spans), Rows(jsonRead.Spans));
        Assert.Equal(0, protobufRead.Rejected);
        Assert.InRange(protobufRead.Retained, 0, 2.5);
        Assert.InRange(jsonRead.Retained, 0, 2.5);
        // Transient (young-generation garbage, collected at once): each span's message while it is read, the JSON
        // writers, the LLM conventions' lookups; for OTLP/JSON also the tokens, the rewritten copy and the request.
        Assert.InRange(protobufRead.Allocated, 0, 30);
        Assert.InRange(jsonRead.Allocated, 0, 30);
    }

    private static OtlpSpanReader.Result Read(byte[] body, string encoding) =>
        OtlpSpanReader.Read(OtlpPayload.Resources(body, encoding), new OtlpOptions());

    private static IEnumerable<string> Rows(List<OtlpSpanReader.ReadSpan> spans) => spans.Select(s =>
        $"{s.Row.TraceId} {s.Row.SpanId} {s.Row.ParentSpanId} {s.Row.Name} {s.Row.StartUnixNano} {s.Row.EndUnixNano} " +
        $"{Encoding.UTF8.GetString(s.Row.AttributesJson)} {Encoding.UTF8.GetString(s.Row.EventsJson)} {s.Call?.Model} {s.Call?.InputTokens}");

    private static (double Retained, double Allocated, List<OtlpSpanReader.ReadSpan> Spans, int Rejected) Measure(byte[] body, string encoding)
    {
        var settled = GC.GetTotalMemory(forceFullCollection: true);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = Read(body, encoding);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - settled;
        GC.KeepAlive(read);
        return (retained / (double)body.Length, allocated / (double)body.Length, read.Spans, read.Rejected);
    }

    private static ExportTraceServiceRequest Export(int spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "memory" } };
        var traces = Enumerable.Range(0, spans / 10 + 1).Select(_ => ByteString.CopyFrom(Guid.NewGuid().ToByteArray())).ToArray();
        for (var i = 0; i < spans; i++)
        {
            var span = new Span
            {
                TraceId = traces[i / 10], // ten spans a trace (an export holds at most 1,000 traces)
                SpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)i + 1)),
                ParentSpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)i + 100_000)),
                Name = $"chat gpt-4o step {i}",
                StartTimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)i,
                EndTimeUnixNano = 1_700_000_001_000_000_000UL + (ulong)i,
            };
            span.Attributes.Add(new KeyValue { Key = "gen_ai.request.model", Value = new AnyValue { StringValue = "gpt-4o" } });
            span.Attributes.Add(new KeyValue { Key = "gen_ai.prompt", Value = new AnyValue { StringValue = new string('p', 200) } });
            span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = 1200 + i } });
            scope.Spans.Add(span);
        }
        var resource = new ResourceSpans { Resource = new Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "agent" } });
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    /// <summary>OTLP/JSON as exporters send it: protobuf's JSON with trace and span ids in hex.</summary>
    private static string JsonOf(ExportTraceServiceRequest export)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(JsonFormatter.Default.Format(export))!;
        foreach (var span in root["resourceSpans"]![0]!["scopeSpans"]![0]!["spans"]!.AsArray())
            foreach (var name in new[] { "traceId", "spanId", "parentSpanId" })
                span![name] = Convert.ToHexStringLower(Convert.FromBase64String(span[name]!.GetValue<string>()));
        return root.ToJsonString();
    }
}
