namespace LatticeLock.Grains.Abstractions.Users;

[GenerateSerializer, Immutable, Alias("ll.CreateUser")]
public sealed record CreateUser(string Email, string? Name);
