using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.FaultTests;

/// <summary>
/// The checks every fault test ends with, against what PostgreSQL holds and what the silos answer: each acknowledged
/// request id and turn id stored exactly once (and nothing stored that was not acknowledged), each session's totals
/// equal to its rows, and no answer outside 2xx, 429 and 503.
/// </summary>
internal static class StoredLoad
{
    public static async Task AssertExactlyOnceAsync(FaultCluster cluster, WriterLoad load, WriterLoadResult result, Uri liveEndpoint)
    {
        Assert.True(result.Surprises.Count == 0, "answers other than 2xx, 429 and 503:\n" + string.Join('\n', result.Surprises.Take(20)));
        Assert.All(result.Statuses.Keys, status => Assert.True(status is (>= 200 and < 300) or 429 or 503, $"status {status} was answered"));
        Assert.NotEmpty(result.Requests);

        await using var sources = new LatticeLock.Storage.PostgresDataSources(cluster.Database); // the (new) primary
        var dataSource = sources.Primary;
        var sessions = load.Writers.Select(w => w.Session).ToArray();
        var chats = load.Writers.Select(w => w.Chat).ToArray();

        // Model requests: the stored ids of these sessions are exactly the acknowledged ones, each once.
        var stored = new Dictionary<Guid, int>();
        await using (var command = dataSource.CreateCommand("SELECT id, count(*) FROM model_requests WHERE session_id = ANY($1) GROUP BY id"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = sessions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) stored[reader.GetGuid(0)] = (int)reader.GetInt64(1);
        }
        var twice = stored.Where(s => s.Value != 1).Select(s => s.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} request ids stored more than once, e.g. {twice.FirstOrDefault()}");
        var acknowledged = result.Requests.Select(r => r.Id).ToHashSet();
        Assert.Equal(result.Requests.Count, acknowledged.Count);
        var lost = acknowledged.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged request ids are not stored, e.g. {lost.FirstOrDefault()}");
        var unacknowledged = stored.Keys.Where(id => !acknowledged.Contains(id)).ToList();
        Assert.True(unacknowledged.Count == 0, $"{unacknowledged.Count} stored request ids were never acknowledged (writers retry until they are), e.g. {unacknowledged.FirstOrDefault()}");

        // Chat turns: each acknowledged turn id once, at the seq it was acknowledged with, with its content.
        var turns = new Dictionary<Guid, List<(long Seq, string Content)>>();
        await using (var command = dataSource.CreateCommand("SELECT turn_id, seq, content FROM chat_turns WHERE chat_id = ANY($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = chats, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var turnId = reader.GetGuid(0);
                if (!turns.TryGetValue(turnId, out var list)) turns[turnId] = list = [];
                list.Add((reader.GetInt64(1), reader.GetString(2)));
            }
        }
        Assert.Equal(result.Turns.Count, turns.Count);
        foreach (var turn in result.Turns)
        {
            Assert.True(turns.TryGetValue(turn.TurnId, out var rows), $"acknowledged turn {turn.TurnId} is not stored");
            Assert.Equal([(turn.Seq, turn.Content)], rows);
        }

        // Session totals, as the (possibly re-activated) session grains answer them, equal their rows.
        using var http = new HttpClient { BaseAddress = liveEndpoint, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.AdminKey);
        var expected = result.Requests.GroupBy(r => r.Session).ToDictionary(g => g.Key, g => (Count: g.LongCount(), Input: g.Sum(r => r.InputTokens), Output: g.Sum(r => r.OutputTokens), Cost: g.Sum(r => r.CostUsd)));
        foreach (var session in sessions)
        {
            var summary = JsonNode.Parse(await http.GetStringAsync($"/v1/sessions/{session}"))!;
            var want = expected.GetValueOrDefault(session);
            var got = (summary["request_count"]!.GetValue<long>(), summary["input_tokens"]!.GetValue<long>(), summary["output_tokens"]!.GetValue<long>(), summary["total_cost_usd"]!.GetValue<decimal>());
            Assert.True((want.Count, want.Input, want.Output, want.Cost) == got, $"session {session}: acknowledged {want}, the grain answers {got}");
        }
    }
}
