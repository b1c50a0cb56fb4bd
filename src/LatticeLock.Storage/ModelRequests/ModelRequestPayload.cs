using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// The SHA-256 of a model request's payload as its client sent it (every column a body may carry, session included,
/// before pricing; JSON values without insignificant whitespace), stored with the row. A repeat of the id with the
/// same payload is a retry; with another payload it is a reused id, answered 409 naming <c>id</c>.
/// </summary>
public static class ModelRequestPayload
{
    public static byte[] Hash(Guid sessionId, ModelRequestRecord request)
    {
        var row = new ModelRequestRow(sessionId, Guid.Empty, request);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var column in ModelRequestColumns.All)
            {
                if (column.ServerSet || (!column.HashedWhenNull && column.IsNull(row))) continue;
                json.WritePropertyName(column.Name);
                column.WriteCanonical(json, row);
            }
            json.WriteEndObject();
        }
        return SHA256.HashData(buffer.WrittenSpan);
    }
}
