using System.Net;
using System.Text.Json.Nodes;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using Orleans.Runtime;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Memory bounded in bytes (issue 13, item 9): reads of turns are pages of at most 4 MiB of content with cursors, and
/// ids with nothing stored behind them leave no activations behind.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class BoundedMemoryTests(ServersFixture servers)
{
    [Fact]
    public async Task Turns_are_read_in_pages_of_at_most_4_MiB_and_the_cursors_give_every_turn_once()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var chat = (await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", "{}", HttpStatusCode.Created))["id"]!.ToString();
        // 30 turns of 200 KiB: 6 MB in all. A page holds 20 (20 × 204,800 bytes ≤ 4 MiB < 21 × 204,800).
        for (var i = 1; i <= 30; i++)
            await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"{{(char)('a' + i % 26)}}{{new string('x', 200 * 1024 - 1)}}"}""", HttpStatusCode.Created);

        // Reading back from the newest: 11..30, then 1..10 from the cursor.
        var newest = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?last=30", null, HttpStatusCode.OK);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), Seqs(newest));
        Assert.Equal(11, newest["next_before"]!.GetValue<long>());
        var older = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?last=10&before=11", null, HttpStatusCode.OK);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), Seqs(older));
        Assert.Null(older["next_before"]);

        // Reading forward: 1..20, then 21..30, then nothing further.
        var first = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?after=0", null, HttpStatusCode.OK);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), Seqs(first));
        Assert.Equal(20, first["next_after"]!.GetValue<long>());
        var rest = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?after=20", null, HttpStatusCode.OK);
        Assert.Equal(Enumerable.Range(21, 10).Select(i => (long)i), Seqs(rest));
        Assert.Null(rest["next_after"]);

        // The newest few come from the grain's memory (bounded to 1 MiB of content), with the same cursor.
        var recent = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?last=3", null, HttpStatusCode.OK);
        Assert.Equal([28L, 29L, 30L], Seqs(recent));
        Assert.Equal(28, recent["next_before"]!.GetValue<long>());
        Assert.StartsWith("e", recent["turns"]![2]!["content"]!.GetValue<string>()); // 'a' + 30 % 26
        await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns?after=3&last=2", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_ids_answer_not_found_and_leave_no_activation_behind()
    {
        var (cluster, _) = await servers.SharedClusterAsync();
        var grains = cluster.GrainFactory;
        var ids = Enumerable.Range(0, 25).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            await Assert.ThrowsAsync<NotFoundException>(() => grains.GetGrain<ISessionGrain>(id).GetSummary());
            await Assert.ThrowsAsync<NotFoundException>(() => grains.GetGrain<IChatGrain>(id).Get());
            await Assert.ThrowsAsync<NotFoundException>(() => grains.GetGrain<IProjectGrain>(id).Get());
            await Assert.ThrowsAsync<NotFoundException>(() => grains.GetGrain<IUserGrain>(id).Get());
        }
        var management = grains.GetGrain<IManagementGrain>(0);
        var left = await Eventually.Until(async () =>
            {
                var keys = new HashSet<Guid>(ids);
                var all = new List<GrainId>();
                foreach (var type in new[] { "session", "chat", "project", "user" })
                    all.AddRange(await management.GetActiveGrains(GrainType.Create(type)));
                return all.Where(g => g.TryGetGuidKey(out var key, out _) && keys.Contains(key)).ToList();
            },
            l => l.Count == 0, TimeSpan.FromSeconds(30));
        Assert.Empty(left);
    }

    private static IEnumerable<long> Seqs(JsonNode page) => page["turns"]!.AsArray().Select(t => t!["seq"]!.GetValue<long>());
}
