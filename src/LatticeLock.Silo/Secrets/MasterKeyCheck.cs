using LatticeLock.Storage.Secrets;

namespace LatticeLock.Silo.Secrets;

/// <summary>
/// Start-up refuses a silo that could not open the stored credentials: no master key while data keys exist, or a
/// master key other than the one that sealed them (its id differs). The message names the setting.
/// A database not migrated yet holds no credentials; one that cannot be reached is checked by every credential call
/// instead (503), so neither stops the silo.
/// </summary>
public sealed class MasterKeyCheck(SecretsMasterKey master, CredentialStore store, ILogger<MasterKeyCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids;
        try
        {
            ids = await store.MasterKeyIdsAsync(cancellationToken);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return; // not migrated yet: no credentials
        }
        catch (Npgsql.NpgsqlException e)
        {
            logger.LogWarning(e, "Could not check the master key against the stored credentials; credential calls will check it");
            return;
        }
        if (ids.Count == 0) return;
        if (master.Key is null)
            throw new InvalidOperationException($"{MasterKey.Setting} (or {MasterKey.FileSetting}) is not set, but provider credentials are stored: set the master key that sealed them");
        if (ids.Any(id => id != master.Key.Id))
            throw new InvalidOperationException($"{MasterKey.Setting}: this key (id {master.Key.Id}) did not seal the stored credentials (sealed by {string.Join(", ", ids)}); give the current master key, or rotate with `lattice secrets rotate-master`");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
