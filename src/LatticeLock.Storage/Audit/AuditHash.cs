using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatticeLock.Grains.Abstractions.Audit;

namespace LatticeLock.Storage.Audit;

/// <summary>
/// The hash chain of an audit log: hash = SHA-256(prev_hash ‖ canonical row), the first row's prev_hash 32 zero bytes.
/// The canonical row is compact JSON with the fields in one fixed order, the time in UTC to the microsecond (what
/// PostgreSQL keeps) and the changes with their object keys sorted, so a row read back from jsonb hashes as written.
/// </summary>
public static class AuditHash
{
    public static readonly byte[] Genesis = new byte[32];

    public static byte[] Of(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var buffer = new MemoryStream();
        buffer.Write(e.PrevHash);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seq", e.Seq);
            json.WriteString("at", e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("workspace_id", e.WorkspaceId);
            WriteNullable(json, "actor_user_id", e.ActorUserId);
            WriteNullable(json, "actor_key_id", e.ActorKeyId);
            json.WriteString("action", e.Action);
            json.WriteString("resource_type", e.ResourceType);
            json.WriteString("resource_id", e.ResourceId);
            json.WritePropertyName("changes");
            WriteSorted(json, JsonNode.Parse(e.ChangesJson));
            json.WriteString("ip", e.Ip);
            json.WriteString("user_agent", e.UserAgent);
            json.WriteNumber("status", e.Status);
            json.WriteEndObject();
        }
        return SHA256.HashData(buffer.ToArray());
    }

    /// <summary>A time as PostgreSQL stores it (microseconds), so what is hashed before the insert is what is read back.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

    private static void WriteNullable(Utf8JsonWriter json, string name, Guid? value)
    {
        if (value is { } v) json.WriteString(name, v);
        else json.WriteNull(name);
    }

    /// <summary>Writes a JSON value with every object's keys in ordinal order, iteratively (no recursion over caller-shaped data).</summary>
    private static void WriteSorted(Utf8JsonWriter json, JsonNode? root)
    {
        var stack = new Stack<(JsonNode? Node, string? Name, bool Close)>();
        stack.Push((root, null, false));
        while (stack.Count > 0)
        {
            var (node, name, close) = stack.Pop();
            if (close)
            {
                if (node is JsonObject) json.WriteEndObject(); else json.WriteEndArray();
                continue;
            }
            if (name is not null) json.WritePropertyName(name);
            switch (node)
            {
                case null:
                    json.WriteNullValue();
                    break;
                case JsonObject o:
                    json.WriteStartObject();
                    stack.Push((o, null, true));
                    foreach (var (key, value) in o.OrderByDescending(p => p.Key, StringComparer.Ordinal)) stack.Push((value, key, false));
                    break;
                case JsonArray a:
                    json.WriteStartArray();
                    stack.Push((a, null, true));
                    for (var i = a.Count - 1; i >= 0; i--) stack.Push((a[i], null, false));
                    break;
                default:
                    node.WriteTo(json);
                    break;
            }
        }
    }

    public static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    internal static string Changes(object? old, object? @new) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["old"] = old, ["new"] = @new }, Options);

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
