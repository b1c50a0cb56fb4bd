using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using DuckDB.NET.Data;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// <c>lattice export</c> against a real silo's data: a workspace's model requests over three days, its spans and its daily
/// aggregates become Parquet files (one per table per day), which DuckDB (an independent reader) reads back with the
/// same row counts and cost sums as PostgreSQL, to the last of the 8 decimals; another workspace's rows stay out. The
/// same export goes to moto's S3. Bad arguments are refused naming the option.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ParquetExportTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write", "sessions:read", "sessions:write"];

    [Fact]
    public async Task A_workspace_exports_to_parquet_that_duckdb_reads_back_with_the_same_rows_and_costs_to_a_folder_and_to_s3()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var (_, ownerKey) = await env.NewUserWithKeyAsync(Scopes);
        var (otherId, otherKey) = await env.NewUserWithKeyAsync(Scopes);
        var owner = env.Client(ownerKey);
        var other = env.Client(otherKey);
        var team = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Exported"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var teamSession = (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{team}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var otherSession = (await other.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{otherId}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        // Three days of requests in the team (costs with all 8 decimals), and some of another workspace on the same days.
        var now = DateTimeOffset.UtcNow;
        var teamRequests = 0;
        for (var daysAgo = 2; daysAgo >= 0; daysAgo--)
        {
            for (var i = 0; i < 7 + daysAgo; i++)
            {
                var at = now.AddDays(-daysAgo).AddSeconds(-(i + 1));
                var body = $$$"""
                    {"session_id":"{{{teamSession}}}","model_id":"gpt-export","provider":"openai","requested_at":"{{{at:O}}}","input_tokens":{{{100 + i}}},
                     "output_tokens":{{{50 + i}}},"input_cost_usd":0.0001234{{{i % 10}}},"output_cost_usd":0.0000987{{{(i * 3) % 10}}},"status":"success",
                     "metadata":{"n":{{{i}}},"note":"naïve ✓"}}
                    """;
                await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", body, HttpStatusCode.Created);
                teamRequests++;
                await other.SendAsync(HttpMethod.Post, "/v1/model-requests", body.Replace(teamSession.ToString(), otherSession.ToString(), StringComparison.Ordinal),
                    HttpStatusCode.Created);
            }
        }
        // Two spans of a team trace, one of the other workspace.
        foreach (var (client, session, spans) in new[] { (owner, teamSession, 2), (other, otherSession, 1) })
            await client.SendAsync(HttpMethod.Post, "/otlp/v1/traces", OtlpSpanBodies.OneTrace(session, now, spans).Body, HttpStatusCode.OK);
        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT coalesce(sum(request_count), 0) = {teamRequests} FROM cost_aggregations WHERE workspace_id = '{team}'"));

        var expected = await ExpectedAsync(db, team);
        Assert.Equal(teamRequests, expected.Requests);
        Assert.Equal(2L, expected.Spans);
        var (from, to) = (DateOnly.FromDateTime(now.AddDays(-2).AddSeconds(-20).UtcDateTime), DateOnly.FromDateTime(now.UtcDateTime));
        var folder = Directory.CreateTempSubdirectory("lattice-export-").FullName;
        try
        {
            var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", team.ToString(),
                "--from", from.ToString("yyyy-MM-dd"), "--to", to.ToString("yyyy-MM-dd"), "--out", folder);
            Assert.True(code == 0, output);
            Assert.Contains($"Exported {teamRequests + 2 + expected.AggregateRows:N0} rows", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, "schema.json")));
            Assert.Contains("\"snapshot_at\"", await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json")), StringComparison.Ordinal);
            Assert.Equal(expected.RequestDays.Select(d => $"date={d:yyyy-MM-dd}"),
                Directory.GetDirectories(Path.Combine(folder, "model_requests")).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));
            Assert.Empty(Directory.GetFiles(folder, "*.partial", SearchOption.AllDirectories));
            Assert.Equal(expected, await ReadBackAsync(folder));
            Assert.Equal("DECIMAL(12,8)", await DuckScalarAsync<string>($"SELECT any_value(typeof(total_cost_usd)) FROM read_parquet('{folder}/model_requests/*/*.parquet')"));
            Assert.Equal("""{"n": 3, "note": "naïve ✓"}""", await DuckScalarAsync<string>(
                $"SELECT metadata FROM read_parquet('{folder}/model_requests/*/*.parquet') WHERE input_tokens = 103 LIMIT 1"));

            // The same to S3 (moto), under a prefix.
            var moto = await servers.TimestreamEmulatorAsync();
            var credentials = new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIDEXPORTTEST", ["AWS_SECRET_ACCESS_KEY"] = "export-test-secret" };
            using var s3 = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("AKIDEXPORTTEST", "export-test-secret"),
                new AmazonS3Config { ServiceURL = moto.ConnectionString, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
            var bucket = "lattice-export-" + Guid.NewGuid().ToString("N")[..8];
            await s3.PutBucketAsync(bucket);
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, credentials, "export", "--workspace", team.ToString(),
                "--from", from.ToString("yyyy-MM-dd"), "--to", to.ToString("yyyy-MM-dd"), "--s3", $"{bucket}/exports/team", "--endpoint", moto.ConnectionString);
            Assert.True(code == 0, output);
            var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "exports/team/" })).S3Objects.Select(o => o.Key).ToList();
            var local = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => "exports/team/" + Path.GetRelativePath(folder, f).Replace('\\', '/'));
            Assert.Equal(local.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
            var downloaded = Directory.CreateTempSubdirectory("lattice-export-s3-").FullName;
            try
            {
                foreach (var key in keys)
                {
                    using var response = await s3.GetObjectAsync(bucket, key);
                    var path = Path.Combine(downloaded, key["exports/team/".Length..]);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await using var file = File.Create(path);
                    await response.ResponseStream.CopyToAsync(file);
                }
                Assert.Equal(expected, await ReadBackAsync(downloaded));
            }
            finally
            {
                Directory.Delete(downloaded, recursive: true);
            }

            // Exported again after the first day's requests are gone (by hand here): that day's file goes too.
            var firstDay = expected.RequestDays[0];
            await db.ExecuteAsync("DELETE FROM model_requests WHERE workspace_id = $1 AND requested_at < $2", team,
                new DateTimeOffset(firstDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", team.ToString(),
                "--from", from.ToString("yyyy-MM-dd"), "--to", to.ToString("yyyy-MM-dd"), "--out", folder);
            Assert.True(code == 0, output);
            Assert.False(File.Exists(Path.Combine(folder, "model_requests", $"date={firstDay:yyyy-MM-dd}", "model_requests.parquet")));
            Assert.Equal(expected.RequestDays.Skip(1).Select(d => $"date={d:yyyy-MM-dd}"),
                Directory.GetDirectories(Path.Combine(folder, "model_requests")).Where(d => Directory.GetFiles(d).Length > 0).Select(d => Path.GetFileName(d))
                    .Order(StringComparer.Ordinal));

            // Refused, naming the option: days in the wrong order, too many days, no destination, an unknown workspace.
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", team.ToString(), "--from", "2026-12-05", "--to", "2026-12-01", "--out", folder);
            Assert.True(code != 0 && output.Contains("--to", StringComparison.Ordinal), output);
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", team.ToString(), "--from", "2024-01-01", "--to", "2026-12-01", "--out", folder);
            Assert.True(code != 0 && output.Contains("--from", StringComparison.Ordinal), output);
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", team.ToString(), "--from", "2026-12-01", "--to", "2026-12-01");
            Assert.True(code != 0 && output.Contains("--out DIR or --s3", StringComparison.Ordinal), output);
            var unknown = Guid.NewGuid();
            (code, output) = await BuiltProgram.RunCliAsync(env.Database, "export", "--workspace", unknown.ToString(), "--from", "2026-12-01", "--to", "2026-12-01", "--out", folder);
            Assert.True(code != 0 && output.Contains($"workspace {unknown} does not exist", StringComparison.Ordinal), output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What PostgreSQL holds of the workspace: request count and cost sum, span count, aggregate rows, requests and cost, and the days with requests.</summary>
    private sealed record Holdings(long Requests, decimal RequestCost, long Spans, long AggregateRows, long AggregateRequests, decimal AggregateCost, IReadOnlyList<DateOnly> RequestDays)
    {
        public bool Equals(Holdings? other) => other is not null && (Requests, RequestCost, Spans, AggregateRows, AggregateRequests, AggregateCost) ==
            (other.Requests, other.RequestCost, other.Spans, other.AggregateRows, other.AggregateRequests, other.AggregateCost) && RequestDays.SequenceEqual(other.RequestDays);

        public override int GetHashCode() => HashCode.Combine(Requests, RequestCost, Spans, AggregateRows);
    }

    private static async Task<Holdings> ExpectedAsync(Db db, Guid workspace)
    {
        var days = (await db.RowsAsync("SELECT DISTINCT (requested_at AT TIME ZONE 'UTC')::date FROM model_requests WHERE workspace_id = $1 ORDER BY 1", workspace))
            .Select(r => (DateOnly)r[0]!).ToList();
        return new Holdings(
            await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE workspace_id = $1", workspace),
            await db.ScalarAsync<decimal>("SELECT sum(total_cost_usd) FROM model_requests WHERE workspace_id = $1", workspace),
            await db.ScalarAsync<long>("SELECT count(*) FROM spans s JOIN traces t ON t.trace_id = s.trace_id AND t.user_id = s.user_id WHERE t.workspace_id = $1", workspace),
            await db.ScalarAsync<long>("SELECT count(*) FROM cost_aggregations WHERE workspace_id = $1", workspace),
            await db.ScalarAsync<long>("SELECT sum(request_count)::bigint FROM cost_aggregations WHERE workspace_id = $1", workspace),
            await db.ScalarAsync<decimal>("SELECT sum(total_cost_usd) FROM cost_aggregations WHERE workspace_id = $1", workspace),
            days);
    }

    /// <summary>The same figures as DuckDB reads them from the exported files.</summary>
    private static async Task<Holdings> ReadBackAsync(string folder)
    {
        var requests = $"read_parquet('{folder}/model_requests/*/*.parquet')";
        var aggregates = $"read_parquet('{folder}/cost_aggregations/*/*.parquet')";
        var days = new List<DateOnly>();
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT requested_at FROM {requests}";
            using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) days.Add(DateOnly.FromDateTime(reader.GetDateTime(0).ToUniversalTime()));
        }
        return new Holdings(
            await DuckScalarAsync<long>($"SELECT count(*) FROM {requests}"),
            await DuckScalarAsync<decimal>($"SELECT sum(total_cost_usd) FROM {requests}"),
            await DuckScalarAsync<long>($"SELECT count(*) FROM read_parquet('{folder}/spans/*/*.parquet')"),
            await DuckScalarAsync<long>($"SELECT count(*) FROM {aggregates}"),
            await DuckScalarAsync<long>($"SELECT sum(request_count)::BIGINT FROM {aggregates}"),
            await DuckScalarAsync<decimal>($"SELECT sum(total_cost_usd) FROM {aggregates}"),
            days.Distinct().Order().ToList());
    }

    private static async Task<T> DuckScalarAsync<T>(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
