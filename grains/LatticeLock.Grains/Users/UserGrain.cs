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
public sealed class UserGrain(UserRepository users, UserRegistrar registrar, TimeProvider clock) : Grain, IUserGrain
{
    private StoredUser? _user;

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        StorageFailures.GuardActivationAsync(async () => _user = await users.FindAsync(Id, cancellationToken));

    async Task<UserProfile> IUserGrain.Create(CreateUser command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        _user = _user is null
            ? await registrar.CreateAsync(Id, command.Email, command.Name, cancellationToken)
            : UserRegistrar.Repeat(_user, command.Email, command.Name);
        return _user.Profile;
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
