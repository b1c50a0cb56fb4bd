using System.Text.Json;

namespace LatticeLock.IntegrationTests;

/// <summary>Request bodies for <c>POST /v1/model-requests</c> used across tests.</summary>
internal static class ModelRequestBodies
{
    /// <summary>A small successful request with a new id and a client-given cost of 0.001 USD, in <paramref name="session"/>.</summary>
    public static string Small(Guid session) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["id"] = Guid.NewGuid(), ["session_id"] = session, ["model_id"] = "gpt-4o", ["provider"] = "openai", ["status"] = "success",
        ["requested_at"] = DateTimeOffset.UtcNow.ToString("O"), ["input_tokens"] = 10, ["output_tokens"] = 5, ["latency_ms"] = 100, ["total_cost_usd"] = 0.001m,
    });
}
