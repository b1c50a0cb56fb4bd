using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Users;
using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.Storage.Auth;

/// <summary>
/// The operator's keys (scope <c>admin</c>), owned by the bootstrap admin user, which is made on first use: what
/// <c>lattice keys create --admin</c> prints on an empty database, and what the test cluster's client calls with.
/// </summary>
public static class OperatorKeys
{
    public const string BootstrapAdminEmail = "admin@lattice.local";

    /// <summary>The bootstrap admin user's id, made if it does not exist yet.</summary>
    public static async Task<Guid> EnsureBootstrapAdminAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using (var find = dataSource.CreateCommand("SELECT id FROM users WHERE lower(email) = $1 AND NOT is_deleted"))
        {
            find.Parameters.AddWithValue(BootstrapAdminEmail);
            if (await find.ExecuteScalarAsync(cancellationToken) is Guid existing) return existing;
        }
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await new UserRepository(dataSource).InsertAsync(new UserProfile(id, BootstrapAdminEmail, "Bootstrap admin", now, now), cancellationToken);
        return id;
    }

    /// <summary>The issuer as the operator at a terminal uses it (no creating key: any scope may be granted).</summary>
    public static ApiKeyIssuer Issuer(NpgsqlDataSource dataSource) =>
        new(new ApiKeyRepository(dataSource, new AuditLog(dataSource, TimeProvider.System)), new UserRepository(dataSource),
            new WorkspaceRepository(dataSource, new AuditLog(dataSource, TimeProvider.System)), new AuthEventLog(dataSource), TimeProvider.System);

    /// <summary>A new operator key for the bootstrap admin.</summary>
    public static async Task<IssuedKey> IssueAsync(NpgsqlDataSource dataSource, string name, string audit, CancellationToken cancellationToken)
    {
        var owner = await EnsureBootstrapAdminAsync(dataSource, cancellationToken);
        return await Issuer(dataSource).IssueAsync(new KeyIssue(owner, name, [ApiScopes.Admin], null), creator: null,
            new KeyIssuePolicy(ApiKeyRepository.DefaultMaxActiveKeysPerUser, 0, 0), audit, null, null, cancellationToken);
    }
}
