namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>The change clashes with what is stored (duplicate email, stale version); nothing was written.</summary>
[GenerateSerializer, Alias("ll.ConflictException")]
public sealed class ConflictException(string field, string message) : Exception($"{field}: {message}")
{
    [Id(0)] public string Field { get; } = field;
}
