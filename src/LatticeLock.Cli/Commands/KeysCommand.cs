using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Auth;
using LatticeLock.Storage.Users;
using LatticeLock.Storage.Workspaces;
using Npgsql;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice keys create [--admin | --user ID --scopes a,b] | list [--user ID] | revoke ID</c></summary>
public static class KeysCommand
{

    public static Command Create()
    {
        var keys = new Command("keys", "Create, list and revoke API keys (talks to PostgreSQL directly)");

        var admin = new Option<bool>("--admin") { Description = "An admin key (every scope, every user), owned by the bootstrap admin user; works on an empty database" };
        var user = new Option<Guid?>("--user") { Description = "Owner of the key (a user id)" };
        var scopes = new Option<string?>("--scopes") { Description = $"Comma-separated scopes: {string.Join(", ", ApiScopes.All)}" };
        var name = new Option<string?>("--name") { Description = "A label for the key" };
        var expires = new Option<DateTimeOffset?>("--expires-at") { Description = "When the key stops working (RFC 3339)" };
        var workspace = new Option<Guid?>("--workspace") { Description = "Bind the key to this workspace (its user must be a member); unbound keys act in every workspace of their user" };
        var create = new Command("create", "Create a key and print it on standard output (the only time it is shown)") { admin, user, scopes, name, expires, workspace };
        create.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            Guid owner;
            IReadOnlyList<string>? granted;
            if (parse.GetValue(admin))
            {
                owner = await OperatorKeys.EnsureBootstrapAdminAsync(dataSource, ct);
                granted = [ApiScopes.Admin];
            }
            else
            {
                owner = parse.GetValue(user) ?? throw new CliException("give --admin, or --user ID with --scopes");
                granted = (parse.GetValue(scopes) ?? throw new CliException("--scopes is required with --user"))
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            }
            // The operator at the terminal may grant anything; everything else is checked as for POST /v1/users/{id}/api-keys.
            var issuer = OperatorKeys.Issuer(dataSource);
            IssuedKey issued;
            try
            {
                issued = await issuer.IssueAsync(new KeyIssue(owner, parse.GetValue(name) ?? (parse.GetValue(admin) ? "bootstrap admin" : "cli"), granted,
                        parse.GetValue(expires), WorkspaceId: parse.GetValue(workspace)), creator: null,
                    new KeyIssuePolicy(ApiKeyRepository.DefaultMaxActiveKeysPerUser, 0, 0), "created with lattice keys create", null, null, ct);
            }
            catch (KeyQuotaExceededException quota)
            {
                throw new CliException(quota.Message);
            }
            var (info, key) = (issued.Info, issued.Key);
            var prefix = info.Prefix;
            Console.Error.WriteLine($"Created key {info.Id} ({ApiKeyFormat.Display(prefix)}, scopes {string.Join(",", granted)}) for user {owner}. It is shown once:");
            Console.Out.WriteLine(key);
        }));

        var listUser = new Option<Guid?>("--user") { Description = "Only this user's keys" };
        var list = new Command("list", "List keys (never their secrets)") { listUser };
        list.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var table = new Table().AddColumns("Id", "Prefix", "User", "Name", "Scopes", "Created", "Expires", "Revoked", "Last used");
            foreach (var k in await new ApiKeyRepository(dataSource, new AuditLog(dataSource, TimeProvider.System)).ListAsync(parse.GetValue(listUser), null, ct))
            {
                table.AddRow(k.Id.ToString(), ApiKeyFormat.Display(k.Prefix), k.UserId.ToString(), Markup.Escape(k.Name), string.Join(",", k.Scopes),
                    Time(k.CreatedAt), Time(k.ExpiresAt), Time(k.RevokedAt), Time(k.LastUsedAt));
            }
            AnsiConsole.Write(table);
        }));

        var keyId = new Argument<Guid>("id") { Description = "The key's id" };
        var revoke = new Command("revoke", "Revoke a key and every key made from it; every silo refuses them at once") { keyId };
        revoke.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var id = parse.GetValue(keyId);
            var revoked = await new ApiKeyRepository(dataSource, new AuditLog(dataSource, TimeProvider.System)).RevokeAsync(id, DateTimeOffset.UtcNow, null, ct);
            if (revoked.Count == 0) throw new CliException($"API key {id} does not exist");
            var log = new AuthEventLog(dataSource);
            foreach (var prefix in revoked)
                await log.RecordAsync(new AuthEvent("revoked", ApiKeyFormat.Display(prefix), null, prefix == revoked[0]
                    ? "revoked with lattice keys revoke" : $"revoked with {ApiKeyFormat.Display(revoked[0])}, the key it was made from (lattice keys revoke)"), ct);
            AnsiConsole.MarkupLine($"[yellow]Revoked[/] {id} ({ApiKeyFormat.Display(revoked[0])})" +
                (revoked.Count > 1 ? $" and the {revoked.Count - 1} keys made from it" : ""));
        }));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static string Time(DateTimeOffset? t) => t?.ToString("u", CultureInfo.InvariantCulture) ?? "";
}
