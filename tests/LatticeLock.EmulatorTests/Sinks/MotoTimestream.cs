using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using LatticeLock.Testing;
using LatticeLock.Metrics.Timestream;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>
/// Test-side access to a moto_server: creates Timestream databases and tables through the same signed JSON protocol
/// the sink uses, reads what it stored from <c>/moto-api/data.json</c>, and switches on its signature checking with
/// an IAM user created through its IAM API.
/// </summary>
public sealed class MotoTimestream(LocalServer server) : IDisposable
{
    public const string Region = "us-east-1";

    /// <summary>Any key pair works while moto's authentication is off.</summary>
    public static readonly AwsCredentials AnyCredentials = new("AKIDLATTICELOCKTEST", "not-checked-until-auth-is-on");

    private readonly HttpClient _http = new();

    public Uri Endpoint { get; } = new(server.ConnectionString);

    public TimestreamOptions Options(string database, string table, AwsCredentials? credentials = null) => new()
    {
        Region = Region,
        Database = database,
        Table = table,
        Endpoint = Endpoint,
        AccessKeyId = (credentials ?? AnyCredentials).AccessKeyId,
        SecretAccessKey = (credentials ?? AnyCredentials).SecretAccessKey,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        MaxAttempts = 3,
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A fresh database and table with unique names.</summary>
    public async Task<(string Database, string Table)> CreateTableAsync(AwsCredentials? credentials = null)
    {
        var database = "db_" + Guid.NewGuid().ToString("N")[..10];
        var table = "requests";
        await CreateTableAsync(database, table, credentials);
        return (database, table);
    }

    public async Task CreateTableAsync(string database, string table, AwsCredentials? credentials = null)
    {
        var client = new TimestreamJsonClient(_http, new SigV4RequestSigner("timestream", Region), credentials ?? AnyCredentials, TimeSpan.FromSeconds(10), TimeProvider.System);
        await client.SendAsync(Endpoint, "CreateDatabase", JsonSerializer.SerializeToUtf8Bytes(new { DatabaseName = database }), default);
        await client.SendAsync(Endpoint, "CreateTable", JsonSerializer.SerializeToUtf8Bytes(new { DatabaseName = database, TableName = table }), default);
    }

    /// <summary>The records moto holds for the table, as it stored them (it appends every record it receives).</summary>
    public async Task<List<JsonElement>> RecordsAsync(string database, string table)
    {
        using var document = JsonDocument.Parse(await _http.GetByteArrayAsync(new Uri(Endpoint, "/moto-api/data.json")));
        var tables = document.RootElement.GetProperty("timestreamwrite").GetProperty("TimestreamTable");
        foreach (var t in tables.EnumerateArray())
        {
            if (t.GetProperty("db_name").GetString() == database && t.GetProperty("name").GetString() == table)
                return t.GetProperty("records").EnumerateArray().Select(r => r.Clone()).ToList();
        }
        throw new InvalidOperationException($"moto has no table {database}.{table}");
    }

    /// <summary>
    /// Creates an IAM user allowed everything, returns its access key, and switches on moto's authentication: from
    /// then on every request must carry a valid signature of that key.
    /// </summary>
    public async Task<AwsCredentials> EnableAuthenticationAsync()
    {
        var userName = "sink-" + Guid.NewGuid().ToString("N")[..8];
        await IamAsync(new() { ["Action"] = "CreateUser", ["UserName"] = userName });
        await IamAsync(new()
        {
            ["Action"] = "PutUserPolicy", ["UserName"] = userName, ["PolicyName"] = "all",
            ["PolicyDocument"] = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""",
        });
        var key = await IamAsync(new() { ["Action"] = "CreateAccessKey", ["UserName"] = userName });
        XNamespace ns = key.Root!.Name.Namespace;
        var credentials = new AwsCredentials(
            key.Descendants(ns + "AccessKeyId").Single().Value,
            key.Descendants(ns + "SecretAccessKey").Single().Value);

        using var reset = new StringContent("0", Encoding.UTF8);
        reset.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        (await _http.PostAsync(new Uri(Endpoint, "/moto-api/reset-auth"), reset)).EnsureSuccessStatusCode();
        return credentials;
    }

    /// <summary>An IAM Query API call (form-encoded, signed for service <c>iam</c>), answered in XML.</summary>
    private async Task<XDocument> IamAsync(Dictionary<string, string> parameters)
    {
        parameters["Version"] = "2010-05-08";
        var body = Encoding.UTF8.GetBytes(string.Join("&", parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, "/")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        new SigV4RequestSigner("iam", Region).Sign(request, body, AnyCredentials, DateTime.UtcNow);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"IAM {parameters["Action"]} failed: {(int)response.StatusCode} {text}");
        return XDocument.Parse(text);
    }

    public void Dispose() => _http.Dispose();
}
