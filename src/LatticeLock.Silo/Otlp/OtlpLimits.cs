using System.Text;
using LatticeLock.Silo.Otlp.Proto;
using Google.Protobuf.Collections;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// The per-resource and per-span limits of <see cref="OtlpOptions"/>: each check returns why the resource or span is
/// refused (naming the limit and its setting), or null. Nested values are walked with an explicit stack, never recursion.
/// </summary>
public sealed class OtlpLimits(OtlpOptions options)
{
    public string? ResourceProblem(Resource? resource)
    {
        var attributes = resource?.Attributes ?? [];
        if (attributes.Count > options.MaxAttributesPerResource)
            return $"resource has {attributes.Count} attributes, more than {options.MaxAttributesPerResource} (LatticeLock__Otlp__MaxAttributesPerResource)";
        return AttributesProblem(attributes, "resource attribute");
    }

    public string? SpanProblem(Span span)
    {
        if (span.Attributes.Count > options.MaxAttributesPerSpan)
            return $"{span.Attributes.Count} attributes, more than {options.MaxAttributesPerSpan} (LatticeLock__Otlp__MaxAttributesPerSpan)";
        if (span.Events.Count > options.MaxEventsPerSpan)
            return $"{span.Events.Count} events, more than {options.MaxEventsPerSpan} (LatticeLock__Otlp__MaxEventsPerSpan)";
        if (span.Links.Count > options.MaxLinksPerSpan)
            return $"{span.Links.Count} links, more than {options.MaxLinksPerSpan} (LatticeLock__Otlp__MaxLinksPerSpan)";
        if (Bytes(span.Name) > options.MaxAttributeValueBytes || Bytes(span.Status?.Message) > options.MaxAttributeValueBytes)
            return $"its name or status message is longer than {options.MaxAttributeValueBytes} bytes (LatticeLock__Otlp__MaxAttributeValueBytes)";
        if (AttributesProblem(span.Attributes, "attribute") is { } problem) return problem;
        foreach (var e in span.Events)
        {
            if (e.Attributes.Count > options.MaxAttributesPerEvent)
                return $"event '{Short(e.Name)}' has {e.Attributes.Count} attributes, more than {options.MaxAttributesPerEvent} (LatticeLock__Otlp__MaxAttributesPerEvent)";
            if (Bytes(e.Name) > options.MaxAttributeValueBytes)
                return $"an event name is longer than {options.MaxAttributeValueBytes} bytes (LatticeLock__Otlp__MaxAttributeValueBytes)";
            if (AttributesProblem(e.Attributes, $"attribute of event '{Short(e.Name)}'") is { } eventProblem) return eventProblem;
        }
        return null;
    }

    private string? AttributesProblem(RepeatedField<KeyValue> attributes, string what)
    {
        foreach (var attribute in attributes)
        {
            if (Bytes(attribute.Key) > options.MaxAttributeValueBytes)
                return $"a {what} key is longer than {options.MaxAttributeValueBytes} bytes (LatticeLock__Otlp__MaxAttributeValueBytes)";
            if (ValueProblem(attribute.Value) is { } problem) return $"{what} '{Short(attribute.Key)}': {problem}";
        }
        return null;
    }

    /// <summary>Size and nesting of one value, walked iteratively (every string, byte string and key inside it counts).</summary>
    private string? ValueProblem(AnyValue? value)
    {
        if (value is null) return null;
        long bytes = 0;
        var stack = new Stack<(AnyValue Value, int Depth)>();
        stack.Push((value, 0));
        while (stack.Count > 0)
        {
            var (v, depth) = stack.Pop();
            if (depth > options.MaxAttributeDepth)
                return $"nests arrays or key-value lists deeper than {options.MaxAttributeDepth} (LatticeLock__Otlp__MaxAttributeDepth)";
            switch (v.ValueCase)
            {
                case AnyValue.ValueOneofCase.StringValue: bytes += Bytes(v.StringValue); break;
                case AnyValue.ValueOneofCase.BytesValue: bytes += v.BytesValue.Length; break;
                case AnyValue.ValueOneofCase.ArrayValue:
                    foreach (var item in v.ArrayValue.Values) if (item is not null) stack.Push((item, depth + 1));
                    break;
                case AnyValue.ValueOneofCase.KvlistValue:
                    foreach (var kv in v.KvlistValue.Values)
                    {
                        bytes += Bytes(kv.Key);
                        if (kv.Value is not null) stack.Push((kv.Value, depth + 1));
                    }
                    break;
                default: bytes += 8; break;
            }
            if (bytes > options.MaxAttributeValueBytes)
                return $"the value is larger than {options.MaxAttributeValueBytes} bytes (LatticeLock__Otlp__MaxAttributeValueBytes)";
        }
        return null;
    }

    /// <summary>UTF-8 length, counted only when the string could be past the limit (at most 3 bytes per UTF-16 unit).</summary>
    private int Bytes(string? value) =>
        value is null ? 0 : value.Length * 3 <= options.MaxAttributeValueBytes ? value.Length : Encoding.UTF8.GetByteCount(value);

    private static string Short(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
