using System.Text;
using LatticeLock.Storage.Migrations;
using Npgsql;

namespace LatticeLock.IntegrationTests;

[Collection(ServersCollection.Name)]
public sealed class MigrationTests(ServersFixture servers)
{
    [Fact]
    public async Task Up_down_to_zero_up_gives_an_identical_schema()
    {
        var cs = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var runner = new MigrationRunner(dataSource);

        Assert.Equal(MigrationCatalog.All.Count, await runner.UpAsync());
        Assert.Equal(MigrationCatalog.Head, await runner.CurrentVersionAsync());
        var first = await SchemaDumpAsync(dataSource);
        Assert.Contains("table model_requests", first);
        Assert.Contains("table orleansquery", first);

        var steps = new List<MigrationProgress>();
        Assert.Equal(MigrationCatalog.All.Count, await runner.DownAsync(0, new Recorder(steps)));
        Assert.Equal(MigrationCatalog.All.Select(m => m.Version).Reverse(), steps.Select(s => s.Migration.Version));
        Assert.Equal(0, await runner.CurrentVersionAsync());
        var empty = await SchemaDumpAsync(dataSource);
        var leftovers = empty.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.Contains("schema_migrations", StringComparison.Ordinal)).ToList();
        Assert.Empty(leftovers); // only the runner's version table survives down --to 0
        Assert.Contains("table schema_migrations", empty);

        await runner.UpAsync();
        Assert.Equal(first, await SchemaDumpAsync(dataSource));
    }

    [Fact]
    public async Task Up_is_idempotent_and_stops_at_a_target()
    {
        var cs = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var runner = new MigrationRunner(dataSource);
        Assert.Equal(2, await runner.UpAsync(target: 2));
        Assert.Equal(2, await runner.CurrentVersionAsync());
        Assert.Equal(MigrationCatalog.Head - 2, await runner.UpAsync());
        Assert.Equal(0, await runner.UpAsync());
        var status = await runner.StatusAsync();
        Assert.All(status, s => Assert.True(s.IsApplied));
    }

    [Fact]
    public async Task Model_requests_has_every_seed_column_and_index()
    {
        var cs = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var dump = await SchemaDumpAsync(dataSource);
        foreach (var column in new[]
        {
            "id uuid", "session_id uuid", "chat_id uuid", "user_id uuid", "trace_id character varying", "parent_span_id character varying",
            "span_id character varying", "model_id character varying", "model_name character varying", "provider character varying",
            "task_type character varying", "priority character varying", "requested_at timestamp with time zone",
            "responded_at timestamp with time zone", "latency_ms integer", "input_tokens integer", "output_tokens integer",
            "total_tokens bigint", "input_cost_usd numeric", "output_cost_usd numeric", "total_cost_usd numeric", "status character varying",
            "error_code character varying", "error_message text", "function_calls jsonb", "function_results jsonb",
            "context_window_used integer", "temperature numeric", "max_tokens integer", "was_fallback boolean",
            "original_model_id character varying", "selection_score numeric", "selection_reason text", "raw_request jsonb",
            "raw_response jsonb", "metadata jsonb",
        })
        {
            Assert.Contains("column model_requests." + column, dump);
        }
        // Only the indexes a query of ours uses (migration 9; docs/architecture.md, "The request log").
        foreach (var index in new[] { "session_xact", "project", "xact", "requested_brin" })
            Assert.Contains($"index model_requests idx_model_requests_{index} ", dump);
        foreach (var index in new[] { "chat", "user", "model", "provider", "task", "trace", "date", "status", "unpriced" })
            Assert.DoesNotContain($"index model_requests idx_model_requests_{index} ", dump);
        Assert.Contains("index users ux_users_email_ci CREATE UNIQUE INDEX ux_users_email_ci ON public.users USING btree (lower((email)::text))", dump);
    }

    [Fact]
    public async Task Lattice_cli_migrates_up_reports_status_and_goes_down_to_zero()
    {
        var cs = await servers.CreateDatabaseAsync(migrate: false);
        var (code, output) = await BuiltProgram.RunCliAsync(cs, "migrate", "up");
        Assert.True(code == 0, output);
        Assert.Contains($"schema at version {MigrationCatalog.Head}", output);

        (code, output) = await BuiltProgram.RunCliAsync(cs, "migrate", "status");
        Assert.True(code == 0, output);
        Assert.Contains("model_requests", output);
        Assert.DoesNotContain("pending", output);

        (code, output) = await BuiltProgram.RunCliAsync(cs, "migrate", "down", "--to", "0");
        Assert.True(code == 0, output);
        await using var dataSource = NpgsqlDataSource.Create(cs);
        Assert.Equal(0, await new MigrationRunner(dataSource).CurrentVersionAsync());
    }

    [Fact]
    public async Task Lattice_cli_explains_a_missing_or_unreachable_database_without_a_stack_trace()
    {
        var (code, output) = await BuiltProgram.RunCliAsync(null, "migrate", "up");
        Assert.NotEqual(0, code);
        Assert.Contains("ConnectionStrings__postgres is not set", output);
        Assert.DoesNotContain("   at ", output);

        (code, output) = await BuiltProgram.RunCliAsync("Host=127.0.0.1;Port=1;Timeout=2", "migrate", "status");
        Assert.NotEqual(0, code);
        Assert.Contains("cannot use PostgreSQL", output);
        Assert.DoesNotContain("   at ", output);
    }

    /// <summary>Tables, columns (type, nullability, default), indexes and constraints of the public schema, sorted.</summary>
    internal static async Task<string> SchemaDumpAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT 'table ' || lower(table_name) FROM information_schema.tables WHERE table_schema = 'public'
            UNION ALL
            SELECT 'column ' || lower(table_name) || '.' || lower(column_name) || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
                   || coalesce(' generated ' || generation_expression, '') || coalesce(' len ' || character_maximum_length, '')
                   || coalesce(' num ' || numeric_precision || ',' || numeric_scale, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'index ' || lower(tablename) || ' ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'routine ' || routine_name FROM information_schema.routines WHERE routine_schema = 'public'
            ORDER BY 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var dump = new StringBuilder();
        while (await reader.ReadAsync()) dump.Append(reader.GetString(0)).Append('\n');
        return dump.ToString();
    }

    private sealed class Recorder(List<MigrationProgress> steps) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => steps.Add(value);
    }
}
