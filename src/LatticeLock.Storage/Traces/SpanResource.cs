using System.Security.Cryptography;
using System.Text;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// A resource (the attributes every span of one OTLP <c>ResourceSpans</c> shares: service, host, SDK, ...) as stored
/// once per owner in <c>span_resources</c>: its id is the SHA-256 of its attributes' JSON text, so the same resource
/// sent again, by any export, is the same row.
/// </summary>
public sealed record SpanResource(byte[] Id, string AttributesJson)
{
    /// <summary>A resource from its attributes' JSON (UTF-8).</summary>
    public static SpanResource Of(byte[] attributesJson) => new(SHA256.HashData(attributesJson), Encoding.UTF8.GetString(attributesJson));
}
