using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.Storage.Users;

/// <summary>A row of <c>users</c>: the user grain's whole state. <see cref="Version"/> guards every write.</summary>
public sealed record StoredUser(UserProfile Profile, DateTimeOffset? DeletedAt, int Version)
{
    public bool IsDeleted => DeletedAt is not null;
}
