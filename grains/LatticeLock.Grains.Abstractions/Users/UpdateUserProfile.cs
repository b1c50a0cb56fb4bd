namespace LatticeLock.Grains.Abstractions.Users;

/// <summary>Null leaves a field as it is.</summary>
[GenerateSerializer, Immutable, Alias("ll.UpdateUserProfile")]
public sealed record UpdateUserProfile(string? Email, string? Name);
