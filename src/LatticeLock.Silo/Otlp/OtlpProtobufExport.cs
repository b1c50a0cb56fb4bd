using Google.Protobuf;
using LatticeLock.Silo.Http;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// A binary <c>ExportTraceServiceRequest</c> walked in place: the wire format is read down to each span's bytes, and a
/// span becomes a message only when the reader asks for it, so decoding holds the body plus one span (not the whole
/// request as objects, about four times the body). Field numbers are OTLP's: ExportTraceServiceRequest.resource_spans
/// = 1; ResourceSpans.resource = 1, scope_spans = 2; ScopeSpans.scope = 1, spans = 2. Unknown fields are skipped, a
/// repeated singular message is merged (protobuf's rule); a malformed body is 400 naming <c>body</c>.
/// </summary>
public static class OtlpProtobufExport
{
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private readonly record struct Slice(int Offset, int Length);

    public static IEnumerable<OtlpResourceSpans> Resources(byte[] body)
    {
        foreach (var resourceSpans in Fields(body, new Slice(0, body.Length), 1))
        {
            Resource? resource = null;
            var scopes = new List<Slice>();
            foreach (var (field, slice) in MessageFields(body, resourceSpans))
            {
                if (field == 1) Merge(resource ??= new Resource(), body, slice);
                else if (field == 2) scopes.Add(slice);
            }
            var spanCount = scopes.Sum(s => Fields(body, s, 2).Count());
            yield return new OtlpResourceSpans(resource, spanCount, scopes.Select(s => Scope(body, s)));
        }
    }

    private static OtlpScopeSpans Scope(byte[] body, Slice scopeSpans)
    {
        InstrumentationScope? scope = null;
        foreach (var (field, slice) in MessageFields(body, scopeSpans))
            if (field == 1) Merge(scope ??= new InstrumentationScope(), body, slice);
        return new OtlpScopeSpans(scope?.Name, Fields(body, scopeSpans, 2).Select(s => Parse(body, s)));
    }

    private static Span Parse(byte[] body, Slice slice)
    {
        var span = new Span();
        Merge(span, body, slice);
        return span;
    }

    private static void Merge(IMessage message, byte[] body, Slice slice)
    {
        try
        {
            message.MergeFrom(new ReadOnlySpan<byte>(body, slice.Offset, slice.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Malformed(e.Message);
        }
    }

    /// <summary>The length-delimited occurrences of field <paramref name="number"/> in a message.</summary>
    private static IEnumerable<Slice> Fields(byte[] body, Slice message, int number) =>
        MessageFields(body, message).Where(f => f.Field == number).Select(f => f.Slice);

    /// <summary>Every length-delimited field of a message with its number; other wire types are checked and skipped.</summary>
    private static IEnumerable<(int Field, Slice Slice)> MessageFields(byte[] body, Slice message)
    {
        var position = message.Offset;
        var end = message.Offset + message.Length;
        while (position < end)
        {
            var tag = ReadVarint(body, ref position, end);
            var field = (int)(tag >> 3);
            if (field == 0 || tag >> 3 > int.MaxValue) throw Malformed("a field number is 0 or out of range");
            switch ((int)(tag & 7))
            {
                case Varint: ReadVarint(body, ref position, end); break;
                case Fixed64: position = Advance(position, 8, end); break;
                case Fixed32: position = Advance(position, 4, end); break;
                case LengthDelimited:
                    var length = ReadVarint(body, ref position, end);
                    if (length > (ulong)(end - position)) throw Malformed("a length runs past the end of its message");
                    yield return (field, new Slice(position, (int)length));
                    position += (int)length;
                    break;
                default: throw Malformed($"wire type {tag & 7} (groups are not used by OTLP)");
            }
        }
    }

    private static ulong ReadVarint(byte[] body, ref int position, int end)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= end) throw Malformed("a varint runs past the end of its message");
            var b = body[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Malformed("a varint is longer than 10 bytes");
    }

    private static int Advance(int position, int bytes, int end) =>
        bytes <= end - position ? position + bytes : throw Malformed("a fixed-width value runs past the end of its message");

    private static ApiProblem Malformed(string reason) =>
        ApiProblem.BadRequest("body", $"body: not a valid OTLP ExportTraceServiceRequest (protobuf): {reason}");
}
