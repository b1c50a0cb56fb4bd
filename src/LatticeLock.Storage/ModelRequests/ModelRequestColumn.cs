using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// One column of <c>model_requests</c>, declared once in <see cref="ModelRequestColumns"/>: its name, its PostgreSQL
/// type, and how the value is taken from and put into a <see cref="ModelRequestRow"/> for COPY and for reads. Readers
/// select columns in declared order and read them by that same order. The gateway's JSON rules are the gateway's
/// (<c>LatticeLock.Silo/Http/ModelRequestJsonField</c>): it visits each column's kind (<see cref="Accept{TResult}"/>)
/// once, so it adds no list of its own.
/// </summary>
public abstract class ModelRequestColumn(string name, NpgsqlDbType dbType)
{
    public string Name { get; } = name;
    public NpgsqlDbType DbType { get; } = dbType;

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
    /// <summary>The value as <see cref="ModelRequestPayload"/> hashes it: JSON in one fixed form (unchanged since migration 16).</summary>
    public abstract void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row);

    /// <summary>Calls the visitor's method for this column's kind, with its typed accessors.</summary>
    public abstract TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor);
}
