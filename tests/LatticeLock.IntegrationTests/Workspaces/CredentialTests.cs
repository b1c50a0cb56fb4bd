using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LatticeLock.Storage.Secrets;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Provider credentials (issue 23): sealed per workspace under a data key sealed by the master key; set, listed masked,
/// revealed only with <c>credentials:read</c> and the admin role (audited), never in plaintext in the database (a full
/// pg_dump), the silo's output or an error body; <c>lattice secrets rotate-master</c> re-seals the data keys, and a silo
/// without the right master key refuses to start, naming the setting.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class CredentialTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write", "sessions:read", "sessions:write"];

    [Fact]
    public async Task Credentials_round_trip_sealed_masked_audited_and_never_in_plaintext_and_survive_a_master_key_rotation()
    {
        var firstKey = MasterKey.NewBase64();
        var secret = "sk-live-" + Guid.NewGuid().ToString("N") + "Zq7";
        Guid ws;
        string database;
        string ownerKey;
        await using (var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?> { [MasterKey.Setting] = firstKey }))
        {
            database = env.Database;
            var (ownerId, key) = await env.NewUserWithKeyAsync(Scopes);
            ownerKey = key;
            var (viewerId, viewerKey) = await env.NewUserWithKeyAsync([.. Scopes, "credentials:read"]);
            var (_, outsiderKey) = await env.NewUserWithKeyAsync([.. Scopes, "credentials:read"]);
            var owner = env.Client(ownerKey);
            ws = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Keys"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
            await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{ws}/members", $$"""{"user_id":"{{viewerId}}","role":"viewer"}""", HttpStatusCode.Created);
            var path = $"/v1/workspaces/{ws}/credentials/openai-prod";
            var body = JsonSerializer.Serialize(new { provider = "openai", secret, metadata = new { org = "acme" } });

            var created = await owner.SendAsync(HttpMethod.Put, path, body, HttpStatusCode.Created);
            Assert.Equal(("openai", secret[^4..], "acme"), (created["provider"]!.ToString(), created["last_four"]!.ToString(), created["metadata"]!["org"]!.ToString()));
            Assert.DoesNotContain(secret, created.ToJsonString());
            await owner.SendAsync(HttpMethod.Put, path, body, HttpStatusCode.OK); // replaced: rotated_at set
            var listed = Assert.Single((await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/credentials", null, HttpStatusCode.OK))["credentials"]!.AsArray())!;
            Assert.NotNull(listed["rotated_at"]);
            Assert.DoesNotContain(secret, listed.ToJsonString());

            // Revealing needs credentials:read (the owner's key lacks it: 403) and the admin role (a viewer: 403); an outsider sees nothing (404).
            await owner.SendAsync(HttpMethod.Post, $"{path}/reveal", null, HttpStatusCode.Forbidden);
            await env.Client(viewerKey).SendAsync(HttpMethod.Post, $"{path}/reveal", null, HttpStatusCode.Forbidden);
            await env.Client(outsiderKey).SendAsync(HttpMethod.Post, $"{path}/reveal", null, HttpStatusCode.NotFound);
            var revealer = await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
                JsonSerializer.Serialize(new { name = "revealer", scopes = new[] { "projects:read", "credentials:read" } }), HttpStatusCode.Forbidden); // the owner's key has no keys:write
            var admin = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
                JsonSerializer.Serialize(new { name = "revealer", scopes = new[] { "projects:read", "credentials:read" } }), HttpStatusCode.Created);
            var revealed = await env.Client(admin["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"{path}/reveal", null, HttpStatusCode.OK);
            Assert.Equal(secret, revealed["secret"]!.GetValue<string>());

            // A refused write that carries the secret does not echo it.
            var bad = await owner.SendAsync(HttpMethod.Put, $"/v1/workspaces/{ws}/credentials/Bad Name", body, HttpStatusCode.BadRequest);
            Assert.DoesNotContain(secret, bad.ToJsonString());
            var badProvider = await owner.SendAsync(HttpMethod.Put, path, JsonSerializer.Serialize(new { provider = new string('p', 65), secret }), HttpStatusCode.BadRequest);
            Assert.DoesNotContain(secret, badProvider.ToJsonString());

            // The audit log names each set and the reveal, masked; the chain verifies.
            var audit = (await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/audit?action=credential.reveal", null, HttpStatusCode.OK))["entries"]!.AsArray();
            Assert.Equal(ownerId, Assert.Single(audit)!["actor_user_id"]!.GetValue<Guid>());
            var all = await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/audit", null, HttpStatusCode.OK);
            Assert.Equal(2, all["entries"]!.AsArray().Count(e => e!["action"]!.ToString() == "credential.set"));
            Assert.DoesNotContain(secret, all.ToJsonString());
            var (code, output) = await BuiltProgram.RunCliAsync(database, "audit", "verify", "--workspace", ws.ToString());
            Assert.True(code == 0, output);

            // Nowhere in plaintext: not in a full dump of the database, not in the silo's output.
            Assert.DoesNotContain(secret, await DumpAsync(database));
            Assert.DoesNotContain(secret, env.Silo.Output);
        }

        // Without the master key, or with another, a silo refuses to start and names the setting.
        foreach (var wrong in new[] { null, MasterKey.NewBase64() })
        {
            await using var refused = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, [MasterKey.Setting] = wrong });
            Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(90)), "a silo without the right master key started");
            Assert.Contains(MasterKey.Setting, refused.Output);
        }

        // Rotation re-seals the data keys; the secret opens under the new key only.
        var keyFile = Path.GetTempFileName();
        var secondKey = MasterKey.NewBase64();
        await File.WriteAllTextAsync(keyFile, secondKey);
        try
        {
            var (code, output) = await BuiltProgram.RunCliAsync(database, new Dictionary<string, string?> { [MasterKey.Setting] = firstKey },
                "secrets", "rotate-master", "--new-key-file", keyFile);
            Assert.True(code == 0, output);
            Assert.Contains("rotated 1 data keys", output);
            var (again, againOutput) = await BuiltProgram.RunCliAsync(database, new Dictionary<string, string?> { [MasterKey.Setting] = firstKey },
                "secrets", "rotate-master", "--new-key-file", keyFile);
            Assert.NotEqual(0, again); // the old key no longer opens the data keys: nothing changes
            Assert.Contains("does not open", againOutput);
        }
        finally
        {
            File.Delete(keyFile);
        }
        await using var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, [MasterKey.Setting] = secondKey });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        var (_, cliOut) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
        var operatorKey = cliOut.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
        var reread = await new ApiClient(http, operatorKey).SendAsync(HttpMethod.Post, $"/v1/workspaces/{ws}/credentials/openai-prod/reveal", null, HttpStatusCode.OK);
        Assert.Equal(secret, reread["secret"]!.GetValue<string>());
        await new ApiClient(http, ownerKey).SendAsync(HttpMethod.Delete, $"/v1/workspaces/{ws}/credentials/openai-prod", null, HttpStatusCode.NoContent);
        await new ApiClient(http, ownerKey).SendAsync(HttpMethod.Delete, $"/v1/workspaces/{ws}/credentials/openai-prod", null, HttpStatusCode.NotFound);
    }

    /// <summary>Every table of the database as pg_dump writes it (data and schema).</summary>
    private static async Task<string> DumpAsync(string database)
    {
        var c = new Npgsql.NpgsqlConnectionStringBuilder(database);
        var start = new ProcessStartInfo("/usr/lib/postgresql/15/bin/pg_dump", ["-h", c.Host!, "-p", c.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", c.Username!, "-d", c.Database!]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (c.Password is { } password) start.Environment["PGPASSWORD"] = password;
        using var dump = Process.Start(start)!;
        var text = dump.StandardOutput.ReadToEndAsync();
        var errors = dump.StandardError.ReadToEndAsync();
        await dump.WaitForExitAsync();
        Assert.True(dump.ExitCode == 0, await errors);
        var all = await text;
        Assert.Contains("workspace_credentials", all);
        return all;
    }
}
