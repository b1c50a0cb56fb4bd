using Google.Protobuf;
using LatticeLock.Silo.Http;
using LatticeLock.Silo.Otlp;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.UnitTests;

/// <summary>The in-place protobuf walk reads what protobuf's own parser reads, in any field order, and refuses what it refuses.</summary>
public sealed class OtlpProtobufExportTests
{
    [Fact]
    public void Fields_in_any_order_unknown_fields_and_a_resource_sent_in_two_parts_read_as_protobuf_parses_them()
    {
        var span = new Span { TraceId = ByteString.CopyFrom(new byte[16] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }), SpanId = ByteString.CopyFrom(1, 0, 0, 0, 0, 0, 0, 1), Name = "chat" };
        var scopeSpans = new ScopeSpans { Scope = new InstrumentationScope { Name = "s" } };
        scopeSpans.Spans.Add(span);
        var first = new ResourceSpans();
        first.ScopeSpans.Add(scopeSpans);
        var second = new ResourceSpans { Resource = new Resource() };
        second.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "agent" } });
        var third = new ResourceSpans { Resource = new Resource() };
        third.Resource.Attributes.Add(new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = "h1" } });
        // One ResourceSpans whose scope_spans come before its resource, the resource in two parts (merged), and an
        // unknown varint field (99) after all of them.
        var resourceSpans = first.ToByteArray().Concat(second.ToByteArray()).Concat(third.ToByteArray()).Concat(new byte[] { 0x98, 0x06, 0x2A }).ToArray();
        var body = new byte[] { 0x0A }.Concat(Varint(resourceSpans.Length)).Concat(resourceSpans).ToArray();

        var expected = ExportTraceServiceRequest.Parser.ParseFrom(body);
        var walked = OtlpProtobufExport.Resources(body).ToList();
        var resource = Assert.Single(walked);
        Assert.Equal(expected.ResourceSpans[0].Resource, resource.Resource);
        Assert.Equal(2, resource.Resource!.Attributes.Count);
        Assert.Equal(1, resource.SpanCount);
        var scope = Assert.Single(resource.Scopes);
        Assert.Equal("s", scope.ScopeName);
        Assert.Equal(span, Assert.Single(scope.Spans));
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x12 })] // a length past the end
    [InlineData(new byte[] { 0x0A, 0x02, 0x12, 0x7F })] // a scope_spans length past the end of its resource_spans
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // a varint over 10 bytes
    [InlineData(new byte[] { 0x0B })] // a group (wire type 3)
    [InlineData(new byte[] { 0x00 })] // field number 0
    public void A_malformed_body_is_400_naming_the_body_like_protobufs_own_parser(byte[] body)
    {
        Assert.ThrowsAny<InvalidProtocolBufferException>(() => ExportTraceServiceRequest.Parser.ParseFrom(body));
        var problem = Assert.Throws<ApiProblem>(() => OtlpProtobufExport.Resources(body).SelectMany(r => r.Scopes).SelectMany(s => s.Spans).ToList());
        Assert.Equal(400, problem.Status);
        Assert.Equal("body", problem.Field);
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        for (var v = (uint)value; ; v >>= 7)
        {
            if (v < 0x80) { bytes.Add((byte)v); return [.. bytes]; }
            bytes.Add((byte)(v & 0x7F | 0x80));
        }
    }
}
