using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.Testing.Faults;

/// <summary>
/// Concurrent writers over HTTP, each with its own session and chat, alternately recording a model request (a client
/// id) and appending a chat turn (a client turn id), as an orchestrator would. Each call is retried with the same id
/// until it is acknowledged: after <c>Retry-After</c> on 429 and 503, at once on another silo when a connection fails
/// (a load balancer's view). Every answer's status is counted; anything but 2xx, 429 and 503 is kept as a surprise.
/// </summary>
public sealed class WriterLoad
{
    private readonly HttpClient _http;
    private readonly Uri[] _endpoints;
    private readonly string _key;
    private readonly (Guid Session, Guid Chat)[] _writers;
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentQueue<string> _surprises = new();
    private readonly ConcurrentQueue<AcknowledgedRequest> _requests = new();
    private readonly ConcurrentQueue<AcknowledgedTurn> _turns = new();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly long[] _downUntil;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private CancellationTokenSource? _stop;
    private Task? _running;
    private int _connectionFailures;

    private WriterLoad(HttpClient http, IReadOnlyList<Uri> endpoints, string key, (Guid, Guid)[] writers)
    {
        _http = http;
        _endpoints = [.. endpoints];
        _key = key;
        _writers = writers;
        _downUntil = new long[endpoints.Count];
    }

    public IReadOnlyList<(Guid Session, Guid Chat)> Writers => _writers;

    /// <summary>Creates a session and a chat per writer, through each endpoint in turn so the grains start on every silo.</summary>
    public static async Task<WriterLoad> PrepareAsync(IReadOnlyList<Uri> endpoints, string adminKey, int writers)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
        var made = new (Guid, Guid)[writers];
        var load = new WriterLoad(http, endpoints, adminKey, made);
        await Parallel.ForAsync(0, writers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var endpoint = endpoints[i % endpoints.Count];
            var session = Guid.Parse((await load.SetUpAsync(endpoint, "/v1/sessions", "{}"))["id"]!.ToString());
            var chat = Guid.Parse((await load.SetUpAsync(endpoint, $"/v1/sessions/{session}/chats", """{"title":"fault load"}"""))["id"]!.ToString());
            made[i] = (session, chat);
        });
        return load;
    }

    /// <summary>Seconds since the load was prepared: the time base of every figure it reports.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _running = Task.WhenAll(Enumerable.Range(0, _writers.Length).Select(i => Task.Run(() => WriteUntilStoppedAsync(i, _stop.Token))));
    }

    /// <summary>Stops taking new work; calls in progress finish (are acknowledged) first.</summary>
    public async Task<WriterLoadResult> StopAsync()
    {
        _stop!.Cancel();
        await _running!;
        _http.Dispose();
        return new WriterLoadResult([.. _requests], [.. _turns], [.. _deliveries], new Dictionary<int, int>(_statuses), [.. _surprises], _connectionFailures);
    }

    private async Task WriteUntilStoppedAsync(int writer, CancellationToken stop)
    {
        var (session, chat) = _writers[writer];
        var random = new Random(writer);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = Guid.NewGuid();
            var input = random.Next(1, 5000);
            var output = random.Next(0, 2000);
            var inputCost = Math.Round(input * 0.0000025m, 8);
            var outputCost = Math.Round(output * 0.00001m, 8);
            var body = $$"""
                {"id":"{{id}}","session_id":"{{session}}","chat_id":"{{chat}}","model_id":"model-{{n % 3}}","provider":"openai",
                 "requested_at":"{{DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}}","latency_ms":{{random.Next(50, 3000)}},
                 "input_tokens":{{input}},"output_tokens":{{output}},"input_cost_usd":{{inputCost.ToString(CultureInfo.InvariantCulture)}},
                 "output_cost_usd":{{outputCost.ToString(CultureInfo.InvariantCulture)}},"status":"success"}
                """;
            await DeliverAsync(writer, "/v1/model-requests", body);
            _requests.Enqueue(new AcknowledgedRequest(session, id, input, output, inputCost + outputCost));

            var turnId = Guid.NewGuid();
            var content = $"writer {writer} turn {n}";
            var answer = await DeliverAsync(writer, $"/v1/chats/{chat}/turns", $$"""{"turn_id":"{{turnId}}","role":"user","content":"{{content}}"}""");
            _turns.Enqueue(new AcknowledgedTurn(chat, turnId, answer["seq"]!.GetValue<long>(), content));
        }
    }

    /// <summary>Sends until a 2xx; returns its body. Never gives up: the fault tests bound the run instead.</summary>
    private async Task<JsonNode> DeliverAsync(int writer, string path, string body)
    {
        var started = Now;
        var attempts = 0;
        for (var attempt = writer; ; attempt++)
        {
            attempts++;
            var endpoint = PickEndpoint(attempt);
            try
            {
                using var response = await SendAsync(endpoint, path, body);
                var status = (int)response.StatusCode;
                _statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
                var text = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    _deliveries.Enqueue(new Delivery(writer, started, Now, attempts, path.Contains("/turns", StringComparison.Ordinal) ? "turn" : "model request", Array.IndexOf(_endpoints, endpoint) + 1));
                    return JsonNode.Parse(text)!;
                }
                if (status is 429 or 503)
                {
                    var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                    await Task.Delay(wait);
                    continue;
                }
                _surprises.Enqueue($"{Now:0.000}s POST {path} -> {status}: {text}");
                await Task.Delay(500);
            }
            catch (HttpRequestException)
            {
                // The silo is not there (refused or reset): a load balancer takes it out of rotation for a while.
                Interlocked.Increment(ref _connectionFailures);
                Volatile.Write(ref _downUntil[Array.IndexOf(_endpoints, endpoint)], Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5);
            }
            catch (TaskCanceledException)
            {
                _surprises.Enqueue($"{Now:0.000}s POST {path} -> no answer within {_http.Timeout.TotalSeconds:0} s");
            }
        }
    }

    private Uri PickEndpoint(int attempt)
    {
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var index = (attempt + i) % _endpoints.Length;
            if (Volatile.Read(ref _downUntil[index]) <= now) return _endpoints[index];
        }
        return _endpoints[attempt % _endpoints.Length];
    }

    private async Task<HttpResponseMessage> SendAsync(Uri endpoint, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _http.SendAsync(request);
    }

    private async Task<JsonNode> SetUpAsync(Uri endpoint, string path, string body)
    {
        using var response = await SendAsync(endpoint, path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}

public sealed record AcknowledgedRequest(Guid Session, Guid Id, long InputTokens, long OutputTokens, decimal CostUsd);

public sealed record AcknowledgedTurn(Guid Chat, Guid TurnId, long Seq, string Content);

/// <summary>One acknowledged call: when its first attempt went out and when its 2xx came back (seconds on the load's clock).</summary>
/// <summary>One acknowledged call: when it was first sent, when a 2xx came, how many sends it took, and which silo (1-based) answered.</summary>
public sealed record Delivery(int Writer, double Started, double Acknowledged, int Attempts, string Kind, int Silo)
{
    public double Seconds => Acknowledged - Started;
}
