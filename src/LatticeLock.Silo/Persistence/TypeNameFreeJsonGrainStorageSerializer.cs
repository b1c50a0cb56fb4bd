using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Grain state as plain JSON (System.Text.Json, camelCase): no $type and no assembly-qualified names, so renaming or
/// moving a state class never strands rows already stored. The grain declares the type it reads into.
/// </summary>
public sealed class TypeNameFreeJsonGrainStorageSerializer : IGrainStorageSerializer
{
    /// <summary>The service key it is registered under, for <c>Orleans:GrainStorage:NAME:SerializerKey</c>.</summary>
    public const string Key = "lattice-json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)!;
}
