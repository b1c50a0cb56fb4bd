using System.Text;
using Google.Protobuf;
using LatticeLock.Silo.Otlp;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.UnitTests;

/// <summary>
/// What decoding an export holds: the decoded request (retained, measured after full collections while it is held)
/// is about 4 times a protobuf body (.NET strings are UTF-16, every id and attribute an object) and under 3 times an
/// OTLP/JSON body; OTLP/JSON is copied token by token (rewriting hex ids) and parsed as a stream, never held as a
/// document tree, so its transient allocations stay a bounded multiple too. Guards against regressions.
/// </summary>
public sealed class OtlpDecodeMemoryTests
{
    [Fact]
    public void Decoding_holds_and_allocates_a_bounded_multiple_of_the_body_on_both_encodings()
    {
        var export = Export(spans: 4_000);
        var protobuf = export.ToByteArray();
        var json = Encoding.UTF8.GetBytes(JsonOf(export));
        OtlpPayload.Decode(protobuf, OtlpPayload.Protobuf); // warm-up: JIT and parser tables
        OtlpPayload.Decode(json, OtlpPayload.Json);

        var protobufDecode = Measure(protobuf, OtlpPayload.Protobuf);
        var jsonDecode = Measure(json, OtlpPayload.Json);
        Console.WriteLine($"decoding {protobuf.Length:N0} protobuf bytes: {protobufDecode.Retained:0.00}x retained, {protobufDecode.Allocated:0.00}x allocated; " +
            $"{json.Length:N0} OTLP/JSON bytes: {jsonDecode.Retained:0.00}x retained, {jsonDecode.Allocated:0.00}x allocated");
        Assert.Equal(export, protobufDecode.Decoded);
        Assert.Equal(export, jsonDecode.Decoded);
        Assert.InRange(protobufDecode.Retained, 0, 5);
        Assert.InRange(jsonDecode.Retained, 0, 3);
        Assert.InRange(protobufDecode.Allocated, 0, 6);
        Assert.InRange(jsonDecode.Allocated, 0, 16); // transient: tokens and the rewritten copy, collected at once
    }

    private static (double Retained, double Allocated, ExportTraceServiceRequest Decoded) Measure(byte[] body, string encoding)
    {
        var settled = GC.GetTotalMemory(forceFullCollection: true);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = OtlpPayload.Decode(body, encoding);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - settled;
        GC.KeepAlive(decoded);
        return (retained / (double)body.Length, allocated / (double)body.Length, decoded);
    }

    private static ExportTraceServiceRequest Export(int spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "memory" } };
        for (var i = 0; i < spans; i++)
        {
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
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
