using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.FaultTests;

/// <summary>The HTTP calls the failover and shutdown tests share: an admin client of a silo, JSON bodies, a new session.</summary>
internal static class ClusterApi
{
    public static HttpClient Client(FaultCluster cluster, int silo = 0, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = cluster.Endpoints[silo], Timeout = timeout ?? TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.AdminKey);
        return http;
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Starts a session and returns its id.</summary>
    public static async Task<string> NewSessionAsync(HttpClient api) =>
        JsonNode.Parse(await (await api.PostAsync("/v1/sessions", Json("{}"))).Content.ReadAsStringAsync())!["id"]!.ToString();
}
