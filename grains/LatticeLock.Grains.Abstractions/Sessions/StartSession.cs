namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary><paramref name="MetadataJson"/> is a JSON object or null.</summary>
[GenerateSerializer, Immutable, Alias("ll.StartSession")]
public sealed record StartSession(Guid UserId, Guid? ProjectId, string? MetadataJson);
