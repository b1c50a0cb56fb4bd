using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Storage.Users;

/// <summary>
/// The one way a user is created, by the user grain (<c>POST /v1/users</c>, the typed client) and by
/// <c>lattice users create</c> alike: the fields checked (400 naming the field), one idempotent insert, and a repeat
/// answered from the stored row (the same email and name: the stored user; anything else, or a deleted user: 409).
/// </summary>
public sealed class UserRegistrar(UserRepository users, TimeProvider clock)
{
    public async Task<StoredUser> CreateAsync(Guid id, string? email, string? name, CancellationToken cancellationToken)
    {
        Require.Id(id, "id");
        var validEmail = Require.Email(email);
        var validName = Require.OptionalName(name, "name", Limits.NameMaxLength);
        var now = clock.GetUtcNow();
        var created = new UserProfile(id, validEmail, validName, now, now);
        if (await users.InsertAsync(created, cancellationToken)) return new StoredUser(created, null, 1);
        // Not inserted: this id was created before (a retry, another activation, the CLI); answer from what is stored.
        var stored = await users.FindAsync(id, cancellationToken)
            ?? throw new StorageFailureException($"user {id} was neither inserted nor found", null);
        return Repeat(stored, validEmail, validName);
    }

    /// <summary>A create of a user that exists: the stored user when it asks for the same, else 409 on <c>id</c>.</summary>
    public static StoredUser Repeat(StoredUser stored, string? email, string? name)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.IsDeleted) throw new ConflictException("id", $"user {stored.Profile.Id} was deleted");
        var validEmail = Require.Email(email);
        var validName = Require.OptionalName(name, "name", Limits.NameMaxLength);
        return string.Equals(stored.Profile.Email, validEmail, StringComparison.OrdinalIgnoreCase) && stored.Profile.Name == validName
            ? stored
            : throw new ConflictException("id", $"user {stored.Profile.Id} already exists");
    }
}
