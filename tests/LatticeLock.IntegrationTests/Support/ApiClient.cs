using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>HTTP calls with a key, asserting the status (and problem+json for errors).</summary>
internal sealed class ApiClient(HttpClient http, string? key)
{
    public async Task<HttpResponseMessage> RawAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        return await http.SendAsync(request);
    }

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, string? body, HttpStatusCode expected, string contentType = "application/json", string? ifMatch = null)
    {
        using var response = await RawAsync(method, path, body, contentType, ifMatch);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        if ((int)expected >= 400) Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{method} {path}: {(int)response.StatusCode} without problem+json: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
