using System.Net;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Workspaces and members over HTTP against a real silo and PostgreSQL (issue 23, first part): every user gets a
/// personal workspace, a created workspace has its creator as owner, roles decide who may change what, the last owner
/// stays, non-members see nothing (404), and renames are version-guarded.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WorkspaceTests(ServersFixture servers)
{
    private static readonly string[] AllScopes = ["projects:read", "projects:write", "sessions:read", "sessions:write"];

    [Fact]
    public async Task A_new_user_owns_a_personal_workspace_named_by_their_id()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync(AllScopes);
        var list = (await env.Client(key).SendAsync(HttpMethod.Get, "/v1/workspaces", null, HttpStatusCode.OK))["workspaces"]!.AsArray();
        var personal = Assert.Single(list)!;
        Assert.Equal((userId.ToString(), true, "owner", $"u-{userId:N}"),
            (personal["id"]!.ToString(), personal["personal"]!.GetValue<bool>(), personal["role"]!.ToString(), personal["slug"]!.ToString()));
        // It cannot be deleted on its own, nor its slug changed.
        await env.Client(key).SendAsync(HttpMethod.Delete, $"/v1/workspaces/{userId}", null, HttpStatusCode.Conflict);
        var bad = await env.Client(key).SendAsync(HttpMethod.Patch, $"/v1/workspaces/{userId}", """{"slug":"mine"}""", HttpStatusCode.BadRequest, ifMatch: "1");
        Assert.NotNull(bad["errors"]!["slug"]);
    }

    [Fact]
    public async Task Roles_decide_who_changes_what_the_last_owner_stays_and_non_members_see_nothing()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (ownerId, owner) = await env.NewUserWithKeyAsync(AllScopes);
        var (adminId, admin) = await env.NewUserWithKeyAsync(AllScopes);
        var (viewerId, viewer) = await env.NewUserWithKeyAsync(AllScopes);
        var (_, outsider) = await env.NewUserWithKeyAsync(AllScopes);
        var (memberId, _) = await env.NewUserWithKeyAsync(AllScopes);

        var created = await env.Client(owner).SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Platform Team"}""", HttpStatusCode.Created);
        var id = created["id"]!.ToString();
        Assert.Equal("owner", created["role"]!.ToString());
        Assert.Matches("^platform-team-[0-9a-f]{6}$", created["slug"]!.ToString());
        var ws = $"/v1/workspaces/{id}";

        // The owner adds an admin and a viewer; a repeat with the same role is 200 and changes nothing.
        await env.Client(owner).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{adminId}}","role":"admin"}""", HttpStatusCode.Created);
        await env.Client(owner).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{viewerId}}","role":"viewer"}""", HttpStatusCode.Created);
        await env.Client(owner).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{viewerId}}","role":"viewer"}""", HttpStatusCode.OK);
        var members = (await env.Client(viewer).SendAsync(HttpMethod.Get, $"{ws}/members", null, HttpStatusCode.OK))["members"]!.AsArray();
        Assert.Equal(["owner", "admin", "viewer"], members.Select(m => m!["role"]!.ToString()));

        // Each sees its own role; an outsider gets 404 on every route, never a hint.
        Assert.Equal("viewer", (await env.Client(viewer).SendAsync(HttpMethod.Get, ws, null, HttpStatusCode.OK))["role"]!.ToString());
        await env.Client(outsider).SendAsync(HttpMethod.Get, ws, null, HttpStatusCode.NotFound);
        await env.Client(outsider).SendAsync(HttpMethod.Get, $"{ws}/members", null, HttpStatusCode.NotFound);
        await env.Client(outsider).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await env.Client(outsider).SendAsync(HttpMethod.Get, "/v1/workspaces", null, HttpStatusCode.OK))["workspaces"]!.AsArray()
            .Select(w => w!["id"]!.ToString()));

        // A viewer may not add anyone (403); an admin manages members but not owners; the owner does.
        await env.Client(viewer).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.Forbidden);
        await env.Client(admin).SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.Created);
        await env.Client(admin).SendAsync(HttpMethod.Patch, $"{ws}/members/{memberId}", """{"role":"owner"}""", HttpStatusCode.Forbidden);
        await env.Client(admin).SendAsync(HttpMethod.Delete, $"{ws}/members/{ownerId}", null, HttpStatusCode.Forbidden);
        await env.Client(admin).SendAsync(HttpMethod.Delete, $"{ws}/members/{memberId}", null, HttpStatusCode.NoContent);
        await env.Client(admin).SendAsync(HttpMethod.Patch, $"{ws}/members/{memberId}", """{"role":"viewer"}""", HttpStatusCode.NotFound);

        // The last owner can be neither demoted nor removed (409), even by the operator; with a second owner, both can.
        var last = await env.Client(owner).SendAsync(HttpMethod.Patch, $"{ws}/members/{ownerId}", """{"role":"admin"}""", HttpStatusCode.Conflict);
        Assert.NotNull(last["errors"]!["user_id"]);
        await env.Client(env.AdminKey).SendAsync(HttpMethod.Delete, $"{ws}/members/{ownerId}", null, HttpStatusCode.Conflict);
        await env.Client(owner).SendAsync(HttpMethod.Patch, $"{ws}/members/{adminId}", """{"role":"owner"}""", HttpStatusCode.OK);
        await env.Client(owner).SendAsync(HttpMethod.Patch, $"{ws}/members/{ownerId}", """{"role":"member"}""", HttpStatusCode.OK);
        Assert.Equal("member", (await env.Client(owner).SendAsync(HttpMethod.Get, ws, null, HttpStatusCode.OK))["role"]!.ToString());

        // Renames need If-Match with the current version; a stale one is 409 and changes nothing.
        var renamed = await env.Client(admin).SendAsync(HttpMethod.Patch, ws, """{"name":"Platform","slug":"platform"}""", HttpStatusCode.OK, ifMatch: "1");
        Assert.Equal((2, "platform"), (renamed["version"]!.GetValue<int>(), renamed["slug"]!.ToString()));
        await env.Client(admin).SendAsync(HttpMethod.Patch, ws, """{"name":"Stale"}""", HttpStatusCode.Conflict, ifMatch: "1");
        await env.Client(admin).SendAsync(HttpMethod.Patch, ws, """{"name":"x"}""", HttpStatusCode.PreconditionRequired);
        // A slug names one live workspace; the reserved personal prefix is refused.
        var taken = await env.Client(outsider).SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Copy","slug":"platform"}""", HttpStatusCode.Conflict);
        Assert.NotNull(taken["errors"]!["slug"]);
        await env.Client(outsider).SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Sneaky","slug":"u-1234"}""", HttpStatusCode.BadRequest);

        // Only an owner deletes; afterwards the workspace is gone for everyone, its slug free again.
        await env.Client(owner).SendAsync(HttpMethod.Delete, ws, null, HttpStatusCode.Forbidden); // now a member
        await env.Client(admin).SendAsync(HttpMethod.Delete, ws, null, HttpStatusCode.NoContent);
        await env.Client(admin).SendAsync(HttpMethod.Get, ws, null, HttpStatusCode.NotFound);
        await env.Client(outsider).SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Reuse","slug":"platform"}""", HttpStatusCode.Created);
        await using var db = new Db(env.Database);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM workspaces WHERE id = $1 AND deleted_at IS NOT NULL", Guid.Parse(id)));
    }

    [Fact]
    public async Task The_migration_gives_every_existing_user_a_personal_workspace_and_down_removes_them()
    {
        var database = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(database);
        var runner = new LatticeLock.Storage.Migrations.MigrationRunner(dataSource);
        await runner.UpAsync(26);
        await using var db = new Db(database);
        var users = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var u in users)
            await db.ExecuteAsync("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Old')", u, $"old-{u:N}@example.com");
        await runner.UpAsync();
        foreach (var u in users)
        {
            Assert.Equal("owner", await db.ScalarAsync<string>("SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $1", u));
            Assert.Equal(u, await db.ScalarAsync<Guid>("SELECT personal_of FROM workspaces WHERE id = $1", u));
        }
        await runner.DownAsync(26);
        Assert.False(await db.ScalarAsync<bool>("SELECT to_regclass('workspaces') IS NOT NULL"));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM users"));
        await runner.UpAsync();
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM workspaces WHERE personal_of IS NOT NULL"));
    }
}
