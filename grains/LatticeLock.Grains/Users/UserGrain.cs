using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Users;

namespace LatticeLock.Grains.Users;

public sealed class UserGrain(
    [PersistentState("user", GrainStorage.Name)] IPersistentState<UserState> state,
    UserRepository users,
    TimeProvider clock) : Grain, IUserGrain
{
    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The users row is written first (and the CLI creates users there directly): a newer row wins.
        if (await users.FindAsync(Id, cancellationToken) is { } row
            && (state.State.CreatedAt == default || row.User.UpdatedAt > state.State.UpdatedAt || (row.DeletedAt is not null && state.State.DeletedAt is null)))
        {
            state.State = new UserState
            {
                Email = row.User.Email, Name = row.User.Name, CreatedAt = row.User.CreatedAt,
                UpdatedAt = row.User.UpdatedAt, DeletedAt = row.DeletedAt,
            };
        }
    }

    async Task<UserProfile> IUserGrain.Create(CreateUser command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        var email = Require.Email(command.Email);
        var name = Require.OptionalName(command.Name, "name", Limits.NameMaxLength);
        if (state.State.DeletedAt is not null) throw new ConflictException("id", $"user {Id} was deleted");
        if (state.State.Exists)
        {
            return string.Equals(state.State.Email, email, StringComparison.OrdinalIgnoreCase) && state.State.Name == name
                ? Profile()
                : throw new ConflictException("id", $"user {Id} already exists");
        }

        var now = clock.GetUtcNow();
        await users.InsertAsync(new UserProfile(Id, email, name, now, now), cancellationToken);
        state.State = new UserState { Email = email, Name = name, CreatedAt = now, UpdatedAt = now };
        await this.PersistOrDeactivateAsync(state, cancellationToken);
        return Profile();
    }

    Task<UserProfile> IUserGrain.Get() => Task.FromResult(Profile());

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
        await users.UpdateAsync(updated, cancellationToken);
        state.State.Email = updated.Email;
        state.State.Name = updated.Name;
        state.State.UpdatedAt = updated.UpdatedAt;
        await this.PersistOrDeactivateAsync(state, cancellationToken);
        return Profile();
    }

    async Task IUserGrain.Delete(CancellationToken cancellationToken)
    {
        Profile();
        var now = clock.GetUtcNow();
        await users.SoftDeleteAsync(Id, now, cancellationToken);
        state.State.DeletedAt = now;
        state.State.UpdatedAt = now;
        await this.PersistOrDeactivateAsync(state, cancellationToken);
    }

    private UserProfile Profile() => state.State.Exists
        ? new UserProfile(Id, state.State.Email, state.State.Name, state.State.CreatedAt, state.State.UpdatedAt)
        : throw new NotFoundException("user", Id);
}
