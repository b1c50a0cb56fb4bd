using System.Diagnostics;
using LatticeLock.Cli.Backup;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Point-in-time restore against a real server that archives its WAL (infrastructure/local/postgres.sh) and a real
/// silo: <c>lattice backup create</c> takes a base backup; model requests acknowledged more than a second before a
/// time T are all present after <c>lattice backup restore --to T</c>, and none acknowledged more than a second after
/// it (and all of them after <c>--to latest</c>); <c>lattice backup list</c> shows the backup and the archive; <c>lattice backup verify</c> restores the newest
/// backup with all WAL into a throwaway server and finds the live schema version and every table. Bad arguments are
/// refused naming the option.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed partial class BackupRestoreTests
{
    [Fact]
    public async Task A_restore_to_a_time_holds_every_request_acknowledged_before_it_and_none_after()
    {
        await using var gateway = await OwnDatabaseGateway.StartAsync("backup");
        var backupDir = gateway.Postgres.Exports["LatticeLock__Backup__Directory"];
        var environment = new Dictionary<string, string?> { ["LatticeLock__Backup__Directory"] = backupDir };
        var admin = new ApiClient(gateway.Http, gateway.AdminKey);
        var user = (await admin.SendAsync(HttpMethod.Post, "/v1/users", $$"""{"email":"pitr-{{Guid.NewGuid():N}}@example.com"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var key = (await admin.SendAsync(HttpMethod.Post, $"/v1/users/{user}/api-keys", """{"name":"pitr","scopes":["sessions:read","sessions:write"]}""",
            HttpStatusCode.Created))["key"]!.GetValue<string>();
        var api = new ApiClient(gateway.Http, key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        var (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "create");
        Assert.True(code == 0, output);
        var backupId = BackupId().Match(output).Groups[1].Value;
        Assert.True(Directory.Exists(Path.Combine(backupDir, "base", backupId)), output);

        async Task<List<(Guid Id, DateTimeOffset AckedAt)>> RecordAsync(int count)
        {
            var acked = new List<(Guid, DateTimeOffset)>();
            for (var i = 0; i < count; i++)
            {
                var id = Guid.NewGuid();
                await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
                    {"id":"{{id}}","session_id":"{{session}}","model_id":"gpt-pitr","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow:O}}","input_tokens":10,"output_tokens":5,
                     "input_cost_usd":0.0001,"output_cost_usd":0.0002,"status":"success"}
                    """, HttpStatusCode.Created);
                acked.Add((id, DateTimeOffset.UtcNow)); // acknowledged = committed by now
            }
            return acked;
        }
        var before = await RecordAsync(25);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var target = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var after = await RecordAsync(25);
        Assert.True(before.Max(b => b.AckedAt) < target.AddSeconds(-1) && after.Min(a => a.AckedAt) > target.AddSeconds(1));

        // The segment holding the second batch is archived once it is switched out (archive_timeout does it within 60 s).
        await using var db = new Db(gateway.Database);
        var segment = await db.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");
        Assert.True(await Eventually.TrueInDatabaseAsync(db, $"SELECT coalesce(last_archived_wal >= '{segment}', false) FROM pg_stat_archiver"));

        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "list");
        Assert.True(code == 0 && output.Contains(backupId, StringComparison.Ordinal) && output.Contains("WAL archive:", StringComparison.Ordinal), output);

        var into = Path.Combine(Path.GetTempPath(), "lattice-pitr-" + Guid.NewGuid().ToString("N")[..8]);
        var watch = Stopwatch.StartNew();
        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "restore", "--to", target.ToString("O"), "--into", into);
        var restoreSeconds = watch.Elapsed.TotalSeconds;
        try
        {
            Assert.True(code == 0, output);
            var restored = RestoredConnection().Match(output).Groups[1].Value;
            await using var copy = new Db(restored);
            var present = (await copy.RowsAsync("SELECT id FROM model_requests WHERE session_id = $1", session)).Select(r => (Guid)r[0]!).ToHashSet();
            Assert.All(before, b => Assert.Contains(b.Id, present));
            Assert.All(after, a => Assert.DoesNotContain(a.Id, present));
            Assert.Equal(before.Count, present.Count);
            Assert.True(restoreSeconds > 0); // measured for the closing note: the local restore time (RTO)
            Console.WriteLine($"restore to a point in time took {restoreSeconds:0.0} s");
        }
        finally
        {
            await StopAsync(into);
        }

        // 'latest' replays everything archived: both batches are there.
        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "restore", "--to", "latest", "--into", into);
        try
        {
            Assert.True(code == 0, output);
            await using var copy = new Db(RestoredConnection().Match(output).Groups[1].Value);
            Assert.Equal(before.Count + after.Count, await copy.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", session));
        }
        finally
        {
            await StopAsync(into);
        }

        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "verify");
        Assert.True(code == 0, output);
        Assert.Contains($"verified base backup {backupId}: schema version {await db.ScalarAsync<long>("SELECT max(version) FROM schema_migrations")}", output, StringComparison.Ordinal);
        Assert.Contains("model_requests", output, StringComparison.Ordinal);

        // Refused, naming the option: a time without an offset, a time before every backup, a folder in use.
        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "restore", "--to", "2026-12-07T10:00:00", "--into", into);
        Assert.True(code != 0 && output.Contains("--to", StringComparison.Ordinal), output);
        (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "restore", "--to", "2020-01-01T00:00:00Z", "--into", into);
        Assert.True(code != 0 && output.Contains("--to: no base backup finished before", StringComparison.Ordinal), output);
        Directory.CreateDirectory(into);
        await File.WriteAllTextAsync(Path.Combine(into, "something"), "x");
        try
        {
            (code, output) = await BuiltProgram.RunCliAsync(gateway.Database, environment, "backup", "restore", "--to", DateTimeOffset.UtcNow.ToString("O"), "--into", into);
            Assert.True(code != 0 && output.Contains("--into", StringComparison.Ordinal), output);
        }
        finally
        {
            Directory.Delete(into, recursive: true);
        }
    }

    /// <summary>Stops a restored server (as the postgres user when root) and removes its folder.</summary>
    private static Task StopAsync(string folder) => RestoredServer.StopAsync(PostgresTools.Installed(), folder, delete: true, CancellationToken.None);

    [GeneratedRegex(@"Base backup (\d{8}T\d{6}Z) taken")]
    private static partial Regex BackupId();

    [GeneratedRegex(@"export ConnectionStrings__postgres='([^']*)'")]
    private static partial Regex RestoredConnection();
}
