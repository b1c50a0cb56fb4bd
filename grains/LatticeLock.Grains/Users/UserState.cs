namespace LatticeLock.Grains.Users;

/// <summary>Persisted state of a user grain (JSON in OrleansStorage; property names are the contract, class names are not).</summary>
public sealed class UserState
{
    public string Email { get; set; } = "";
    public string? Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }

    public bool Exists => CreatedAt != default && DeletedAt is null;
}
