using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>
/// A local HTTP server that answers Timestream JSON calls the way a test scripts it (throttling, rejected records, ...),
/// which the emulator never does. It records every call it receives.
/// </summary>
public sealed class FakeTimestreamServer : IAsyncDisposable
{
    public sealed record Call(string Target, JsonDocument Body, string? Authorization);

    public sealed record Answer(int Status, string Body);

    private readonly HttpListener _listener = new();
    private readonly Func<Call, int, Answer> _answer;
    private readonly Task _loop;
    private readonly List<Call> _calls = [];

    /// <param name="answer">The answer to a call, given the call and its 1-based number.</param>
    public FakeTimestreamServer(Func<Call, int, Answer> answer)
    {
        _answer = answer;
        var port = LoopbackPorts.Free();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public IReadOnlyList<Call> Calls { get { lock (_calls) return _calls.ToList(); } }

    public IReadOnlyList<Call> CallsTo(string operation) => Calls.Where(c => c.Target == "Timestream_20181101." + operation).ToList();

    public static Answer Ok(string body = """{"RecordsIngested":{"Total":1,"MemoryStore":1,"MagneticStore":0}}""") => new(200, body);

    public static Answer Error(int status, string type, string message, string extra = "") =>
        new(status, $$"""{"__type":"com.amazonaws.timestream.v20181101#{{type}}","message":{{JsonSerializer.Serialize(message)}}{{extra}}}""");

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (!_listener.IsListening) { return; }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var call = new Call(context.Request.Headers["X-Amz-Target"] ?? "", JsonDocument.Parse(body.ToArray()), context.Request.Headers["Authorization"]);
            int number;
            lock (_calls) { _calls.Add(call); number = _calls.Count; }
            Answer answer;
            try { answer = _answer(call, number); }
            catch (Exception e) { answer = new Answer(500, JsonSerializer.Serialize(new { message = e.Message })); }
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }


    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (Exception) { /* stopped */ }
        foreach (var call in Calls) call.Body.Dispose();
    }
}
