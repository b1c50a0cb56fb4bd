namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>The addressed entity does not exist (never created, or deleted).</summary>
[GenerateSerializer, Alias("ll.NotFoundException")]
public sealed class NotFoundException(string entity, Guid id) : Exception($"{entity} {id} does not exist")
{
    [Id(0)] public string Entity { get; } = entity;
    [Id(1)] public Guid EntityId { get; } = id;
}
