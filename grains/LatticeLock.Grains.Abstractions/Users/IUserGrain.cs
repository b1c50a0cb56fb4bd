namespace LatticeLock.Grains.Abstractions.Users;

/// <summary>A LatticeLock user, keyed by its id. Email addresses are unique (ignoring case) across the cluster.</summary>
[Alias("ll.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Creates the user; repeating the same create is harmless, a different email for an existing user is a conflict.</summary>
    [Alias("Create")] Task<UserProfile> Create(CreateUser command, CancellationToken cancellationToken = default);
    [Alias("Get")] Task<UserProfile> Get();
    [Alias("UpdateProfile")] Task<UserProfile> UpdateProfile(UpdateUserProfile command, CancellationToken cancellationToken = default);
    [Alias("Delete")] Task Delete(CancellationToken cancellationToken = default);
}
