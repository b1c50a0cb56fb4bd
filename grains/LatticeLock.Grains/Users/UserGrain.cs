using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Users;
using LatticeLock.Storage;

namespace LatticeLock.Grains.Users;

/// <summary>
/// A user, held hot. Its one store is the <c>users</c> row: loaded on activation, written once per change with the
/// row's version as guard, so a second activation (or the CLI) that changed the row first makes this write fail.
/// </summary>
public sealed class UserGrain(UserRepository users, TimeProvider clock) : Grain, IUserGrain
{
    private StoredUser? _user;

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        StorageFailures.GuardActivationAsync(async () => _user = await users.FindAsync(Id, cancellationToken));

    async Task<UserProfile> IUserGrain.Create(CreateUser command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        var email = Require.Email(command.Email);
        var name = Require.OptionalName(command.Name, "name", Limits.NameMaxLength);
        if (_user is null)
        {
            var now = clock.GetUtcNow();
            var created = new UserProfile(Id, email, name, now, now);
            // Not inserted: another activation or the CLI created this id first; answer from what it stored.
            _user = await users.InsertAsync(created, cancellationToken)
                ? new StoredUser(created, null, 1)
                : await users.FindAsync(Id, cancellationToken);
            if (_user?.Profile == created) return created;
        }
        if (_user is null) throw new StorageFailureException($"user {Id} was neither inserted nor found", null);
        if (_user.IsDeleted) throw new ConflictException("id", $"user {Id} was deleted");
        return string.Equals(_user.Profile.Email, email, StringComparison.OrdinalIgnoreCase) && _user.Profile.Name == name
            ? _user.Profile
            : throw new ConflictException("id", $"user {Id} already exists");
    }

    async Task<UserProfile> IUserGrain.Get()
    {
        // A miss looks again: the CLI creates users in the table directly, after this activation may have loaded.
        if (_user is null) _user = await users.FindAsync(Id, CancellationToken.None);
        return Profile();
    }

    async Task<UserProfile> IUserGrain.UpdateProfile(UpdateUserProfile command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = Profile();
        var updated = current with
        {
            Email = command.Email is null ? current.Email : Require.Email(command.Email),
            Name = command.Name is null ? current.Name : Require.Text(command.Name, "name", Limits.NameMaxLength),
            UpdatedAt = clock.GetUtcNow(),
        };
        var version = _user!.Version;
        if (!await users.UpdateAsync(updated, version, cancellationToken)) await ChangedElsewhereAsync(cancellationToken);
        _user = new StoredUser(updated, null, version + 1);
        return updated;
    }

    async Task IUserGrain.Delete(CancellationToken cancellationToken)
    {
        var current = Profile();
        var now = clock.GetUtcNow();
        var version = _user!.Version;
        if (!await users.SoftDeleteAsync(Id, now, version, cancellationToken)) await ChangedElsewhereAsync(cancellationToken);
        _user = new StoredUser(current with { UpdatedAt = now }, now, version + 1);
    }

    /// <summary>The row moved on without this activation: adopt what is stored and tell the caller to retry on it.</summary>
    private async Task ChangedElsewhereAsync(CancellationToken cancellationToken)
    {
        _user = await users.FindAsync(Id, cancellationToken);
        Profile();
        throw new ConflictException("version", $"user {Id} was changed by another writer; read it again and retry");
    }

    private UserProfile Profile() => _user is { IsDeleted: false } user ? user.Profile : throw this.Missing("user", Id);
}
