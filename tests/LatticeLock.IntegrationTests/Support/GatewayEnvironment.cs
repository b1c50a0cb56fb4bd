using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>A migrated database, an admin key made with the CLI, and one silo serving HTTP.</summary>
internal sealed class GatewayEnvironment : IAsyncDisposable
{
    private readonly SiloProcess _silo;
    private readonly string _clusterId;

    private GatewayEnvironment(string database, string adminKey, SiloProcess silo, string clusterId)
    {
        Database = database;
        AdminKey = adminKey;
        _silo = silo;
        _clusterId = clusterId;
        Http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Database { get; }
    public string AdminKey { get; }
    public HttpClient Http { get; }

    public static async Task<GatewayEnvironment> StartAsync(ServersFixture servers, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await servers.CreateDatabaseAsync();
        var (code, output) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
        Assert.True(code == 0, output);
        var adminKey = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
        var clusterId = "gw-" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__postgres"] = database };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>()) environment[name] = value;
        var silo = SiloProcess.Start(environment, clusterId);
        var env = new GatewayEnvironment(database, adminKey, silo, clusterId);
        try
        {
            await silo.WaitForAsync(env.Http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        }
        catch
        {
            await env.DisposeAsync(); // never leave a silo process running after a failed start
            throw;
        }
        return env;
    }

    public SiloProcess Silo => _silo;

    public SiloProcess StartSecondSilo() => SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = Database }, _clusterId);

    public ApiClient Client(string? key) => new(Http, key);

    public async Task<(Guid UserId, string Key)> NewUserWithKeyAsync(params string[] scopes)
    {
        var admin = Client(AdminKey);
        var user = await admin.SendAsync(HttpMethod.Post, "/v1/users", $$"""{"email":"u{{Guid.NewGuid():N}}@example.com","name":"U"}""", HttpStatusCode.Created);
        var userId = user["id"]!.GetValue<Guid>();
        var key = await admin.SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys",
            JsonSerializer.Serialize(new { name = "test", scopes }), HttpStatusCode.Created);
        Assert.StartsWith("ll_", key["key"]!.GetValue<string>());
        return (userId, key["key"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _silo.DisposeAsync();
    }
}
