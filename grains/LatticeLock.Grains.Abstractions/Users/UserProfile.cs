namespace LatticeLock.Grains.Abstractions.Users;

[GenerateSerializer, Immutable, Alias("ll.UserProfile")]
public sealed record UserProfile(Guid Id, string Email, string? Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
