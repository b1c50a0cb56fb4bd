using System.Security.Cryptography;
using System.Text;

namespace LatticeLock.Silo.Http;

/// <summary>
/// The <c>Idempotency-Key</c> request header: for a body without an <c>id</c> (a model request, or a user, project,
/// session or chat to create; or a turn without a <c>turn_id</c>),
/// the id is derived from the caller's user, the key and (in a batch) the item's index, so a retry with the same header
/// and body names the same ids and is answered as a duplicate instead of stored again. Scoped by user: two tenants'
/// keys never collide.
/// </summary>
public static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>The header's value; null when absent; 400 naming the header when empty, too long or not visible ASCII.</summary>
    public static string? Read(HttpContext http)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values)) return null;
        var value = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value.Any(c => c is < '!' or > '~'))
            throw ApiProblem.BadRequest(Header, $"{Header}: must be one value of 1 to {MaxLength} visible ASCII characters");
        return value;
    }

    /// <summary>The id of item <paramref name="index"/> (null for a single request) under <paramref name="key"/>: a version-8 UUID.</summary>
    public static Guid ModelRequestId(Guid userId, string key, int? index) =>
        Derive($"model-request\n{userId:N}\n{key}\n{index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");

    /// <summary>
    /// The id of an entity to create: the body's <c>id</c> when given, else one derived from the
    /// <c>Idempotency-Key</c> header, else a new one. A repeat with the same id creates nothing and answers with what
    /// is stored (409 naming <c>id</c> when it differs).
    /// </summary>
    public static Guid CreatedId(HttpContext http, Guid callerId, string kind, Guid? bodyId, Guid scope = default) =>
        bodyId ?? (Read(http) is { } key ? EntityId(kind, callerId, key, scope) : Guid.NewGuid());

    /// <summary>
    /// The id of an entity (<paramref name="kind"/>: user, project, session, chat) created under <paramref name="key"/>,
    /// within <paramref name="scope"/> (a chat's session; empty otherwise).
    /// </summary>
    public static Guid EntityId(string kind, Guid userId, string key, Guid scope = default) => Derive($"{kind}\n{userId:N}\n{key}\n{scope:N}");

    /// <summary>The turn id of a turn appended to <paramref name="chatId"/> under <paramref name="key"/>.</summary>
    public static Guid TurnId(Guid userId, string key, Guid chatId) => Derive($"chat-turn\n{userId:N}\n{key}\n{chatId:N}");

    private static Guid Derive(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8 (RFC 9562: custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
