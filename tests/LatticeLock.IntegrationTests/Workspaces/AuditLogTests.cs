using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The workspace audit log (issue 23, first part): each workspace and member change appends one row, in the same
/// transaction, with who made it (user, key, address) and the values before and after; the rows form a hash chain the
/// CLI verifies; the table refuses UPDATE and DELETE, and a row altered past that (a superuser disabling the trigger)
/// is named by <c>lattice audit verify</c>.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AuditLogTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write"];

    [Fact]
    public async Task Every_workspace_change_is_one_chained_row_the_cli_verifies_and_a_tampered_row_is_named()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (ownerId, owner) = await env.NewUserWithKeyAsync(Scopes);
        var (memberId, member) = await env.NewUserWithKeyAsync(Scopes);
        var (_, outsider) = await env.NewUserWithKeyAsync(Scopes);
        var id = (await env.Client(owner).SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Audited"}""", HttpStatusCode.Created))["id"]!.ToString();
        var ws = $"/v1/workspaces/{id}";
        await env.Client(owner).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{memberId}}","role":"viewer"}""", HttpStatusCode.Created);
        await env.Client(owner).SendAsync(HttpMethod.Patch, $"{ws}/members/{memberId}", """{"role":"member"}""", HttpStatusCode.OK);
        await env.Client(owner).SendAsync(HttpMethod.Patch, ws, """{"name":"Audited team"}""", HttpStatusCode.OK, ifMatch: "1");
        await env.Client(owner).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.OK); // no change: no row
        await env.Client(owner).SendAsync(HttpMethod.Delete, $"{ws}/members/{memberId}", null, HttpStatusCode.NoContent);

        // Owners read it; a member below admin is refused (403), an outsider sees nothing (404).
        await env.Client(member).SendAsync(HttpMethod.Get, $"{ws}/audit", null, HttpStatusCode.NotFound); // removed: no longer a member
        await env.Client(outsider).SendAsync(HttpMethod.Get, $"{ws}/audit", null, HttpStatusCode.NotFound);
        var entries = (await env.Client(owner).SendAsync(HttpMethod.Get, $"{ws}/audit", null, HttpStatusCode.OK))["entries"]!.AsArray();
        Assert.Equal(["workspace.create", "member.add", "member.role", "workspace.update", "member.remove"], entries.Select(e => e!["action"]!.ToString()));
        Assert.Equal([1L, 2, 3, 4, 5], entries.Select(e => e!["seq"]!.GetValue<long>()));
        Assert.All(entries, e => Assert.Equal(ownerId.ToString(), e!["actor_user_id"]!.ToString()));
        Assert.All(entries, e => Assert.NotNull(e!["actor_key_id"]));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e!["ip"]!.ToString()));
        Assert.Equal(new string('0', 64), entries[0]!["prev_hash"]!.ToString());
        for (var i = 1; i < entries.Count; i++) Assert.Equal(entries[i - 1]!["hash"]!.ToString(), entries[i]!["prev_hash"]!.ToString());
        Assert.Equal(("viewer", "member"), (entries[2]!["changes"]!["old"]!["role"]!.ToString(), entries[2]!["changes"]!["new"]!["role"]!.ToString()));
        Assert.Equal(("Audited", "Audited team"), (entries[3]!["changes"]!["old"]!["name"]!.ToString(), entries[3]!["changes"]!["new"]!["name"]!.ToString()));
        // Filters and pages.
        var page = await env.Client(owner).SendAsync(HttpMethod.Get, $"{ws}/audit?action=member.add&limit=1", null, HttpStatusCode.OK);
        Assert.Equal(2L, Assert.Single(page["entries"]!.AsArray())!["seq"]!.GetValue<long>());
        var first = await env.Client(owner).SendAsync(HttpMethod.Get, $"{ws}/audit?limit=2", null, HttpStatusCode.OK);
        var rest = await env.Client(owner).SendAsync(HttpMethod.Get, $"{ws}/audit?limit=2&cursor={first["next_cursor"]}", null, HttpStatusCode.OK);
        Assert.Equal([3L, 4], rest["entries"]!.AsArray().Select(e => e!["seq"]!.GetValue<long>()));
        Assert.NotNull((await env.Client(owner).SendAsync(HttpMethod.Get, $"{ws}/audit?from=yesterday", null, HttpStatusCode.BadRequest))["errors"]!["from"]);

        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "audit", "verify", "--workspace", id);
        Assert.True(code == 0, output);
        Assert.Contains("verified 5 entries", output, StringComparison.Ordinal);

        // The table itself refuses to change a row...
        await using var db = new Db(env.Database);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("UPDATE audit_logs SET action = 'x' WHERE workspace_id = $1 AND seq = 3", Guid.Parse(id)));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("DELETE FROM audit_logs WHERE workspace_id = $1", Guid.Parse(id)));
        // ...and a superuser who gets past it is caught: the chain breaks at the altered row.
        await db.ExecuteAsync("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only");
        await db.ExecuteAsync("""UPDATE audit_logs SET changes = '{"old": {"role": "viewer"}, "new": {"role": "owner"}}' WHERE workspace_id = $1 AND seq = 3""", Guid.Parse(id));
        await db.ExecuteAsync("ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only");
        (code, output) = await BuiltProgram.RunCliAsync(env.Database, "audit", "verify", "--workspace", id);
        Assert.True(code == 1, output);
        Assert.Contains("breaks at seq 3", output, StringComparison.Ordinal);
    }
}
