namespace LatticeLock.IntegrationTests;

/// <summary>The built `lattice` CLI against a real database: users and keys.</summary>
[Collection(ServersCollection.Name)]
public sealed class CliTests(ServersFixture servers)
{
    [Fact]
    public async Task An_unknown_command_is_named_with_where_it_stood_and_the_nearest_known_one()
    {
        var (code, output) = await BuiltProgram.RunCliAsync(null, "frobnicate");
        Assert.True(code == 2 && output.Contains("unknown command 'frobnicate' for 'lattice'; commands: migrate, users, keys"), output);
        (code, output) = await BuiltProgram.RunCliAsync(null, "prices", "repricee");
        Assert.True(code == 2 && output.Contains("unknown command 'repricee' for 'lattice prices'; did you mean 'reprice'?"), output);
        (code, output) = await BuiltProgram.RunCliAsync(null, "sesions", "show");
        Assert.True(code == 2 && output.Contains("did you mean 'sessions'?"), output);
    }

    [Fact]
    public async Task Bad_options_answer_one_line_in_the_users_terms_and_the_same_limits_as_http()
    {
        // The same formats and limits as the HTTP API, checked before any database is needed.
        var (code, output) = await BuiltProgram.RunCliAsync(null, "prices", "set", "--provider", "openai", "--model", "gpt-4o",
            "--input", "2.5", "--output", "10", "--effective-from", "2026-01-01");
        Assert.Equal(2, code);
        Assert.Equal("error: --effective-from must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:00:00Z (got '2026-01-01') (see: lattice prices set --help)", output.Trim());

        (code, output) = await BuiltProgram.RunCliAsync(null, "report", "costs", "--from", "yesterday");
        Assert.Equal(2, code);
        Assert.Equal("error: --from must be a day written yyyy-MM-dd, e.g. 2026-11-01 (got 'yesterday') (see: lattice report costs --help)", output.Trim());

        (code, output) = await BuiltProgram.RunCliAsync(null, "report", "models", "--from", "2025-01-01", "--to", "2026-06-01");
        Assert.Equal(2, code);
        Assert.Equal("error: --from to --to may span at most 366 days", output.Trim());

        (code, output) = await BuiltProgram.RunCliAsync(null, "report", "costs", "--from", "2025-01-01", "--to", "2026-06-01");
        Assert.Equal(2, code);
        Assert.Equal("error: --from to --to may span at most 366 days", output.Trim());
    }

    [Fact]
    public async Task Users_and_keys_are_created_shown_listed_and_revoked()
    {
        var database = await servers.CreateDatabaseAsync();
        var (code, output) = await BuiltProgram.RunCliAsync(database, "users", "create", "--email", "Cli@Example.com", "--name", "Cli User");
        Assert.True(code == 0, output);
        var userId = Guid.Parse(output.Trim());

        (code, output) = await BuiltProgram.RunCliAsync(database, "users", "create", "--email", "cli@example.com");
        Assert.NotEqual(0, code);
        Assert.Contains("email", output);
        Assert.DoesNotContain("   at ", output);

        (code, output) = await BuiltProgram.RunCliAsync(database, "users", "show", userId.ToString());
        Assert.True(code == 0, output);
        Assert.Contains("Cli@Example.com", output);
        Assert.Contains("Cli User", output);

        (code, output) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--user", userId.ToString(), "--scopes", "sessions:read,bogus");
        Assert.NotEqual(0, code);
        Assert.Contains("unknown scope 'bogus'", output);

        (code, output) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--user", userId.ToString(), "--scopes", "sessions:read,sessions:write", "--name", "ci");
        Assert.True(code == 0, output);
        var key = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
        var prefix = key[..15];

        await using var db = new Db(database);
        // Only the SHA-256 of the key is stored.
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE prefix = $1 AND key_hash = sha256(convert_to($2, 'UTF8'))", prefix[3..], key));

        (code, output) = await BuiltProgram.RunCliAsync(database, "keys", "list", "--user", userId.ToString());
        Assert.True(code == 0, output);
        Assert.Contains(prefix, output);
        Assert.DoesNotContain(key, output);

        var keyId = (Guid)(await db.RowsAsync("SELECT id FROM api_keys WHERE prefix = $1", prefix[3..])).Single()[0]!;
        (code, output) = await BuiltProgram.RunCliAsync(database, "keys", "revoke", keyId.ToString());
        Assert.True(code == 0, output);
        Assert.NotNull((await db.RowsAsync("SELECT revoked_at FROM api_keys WHERE id = $1", keyId)).Single()[0]);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM auth_events WHERE key_prefix = $1 AND outcome IN ('created', 'revoked')", prefix));
    }
}
