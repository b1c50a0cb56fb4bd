using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// One column of <c>model_requests</c>, declared once in <see cref="ModelRequestColumns"/>: its name (also its JSON
/// name on the wire), its PostgreSQL type, and how the value is taken from and put into a <see cref="ModelRequestRow"/>
/// for COPY, for reads and for JSON. Readers select columns in declared order and read them by that same order.
/// </summary>
public abstract class ModelRequestColumn(string name, NpgsqlDbType dbType)
{
    public string Name { get; } = name;
    public NpgsqlDbType DbType { get; } = dbType;

    /// <summary>The JSON body must carry it (a missing one is a 400 naming it).</summary>
    public bool Required { get; init; }
    /// <summary>Set by LatticeLock (the caller's user and project, the cost source); ignored in a request body.</summary>
    public bool ServerSet { get; init; }
    /// <summary>Stored but not read back (raw payloads: large, and not part of any answer).</summary>
    public bool WriteOnly { get; init; }
    /// <summary>
    /// Part of the payload hash even when null. False for fields added after hashes were first stored (migration 16),
    /// so a retry that does not send them hashes as the stored row did.
    /// </summary>
    public bool HashedWhenNull { get; init; } = true;
    /// <summary>Whether the row's value is null (for <see cref="HashedWhenNull"/>).</summary>
    public virtual bool IsNull(ModelRequestRow row) => false;

    public abstract void Write(NpgsqlBinaryImporter importer, ModelRequestRow row);
    public abstract ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row);
    /// <summary>Takes the value from a request body's property; throws <see cref="JsonException"/> when it has the wrong type.</summary>
    public abstract ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options);
    public abstract void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options);

    /// <summary>The value as <see cref="ModelRequestPayload"/> hashes it: its JSON, in one fixed form.</summary>
    public virtual void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row) => WriteJson(writer, row, JsonSerializerOptions.Default);
}
