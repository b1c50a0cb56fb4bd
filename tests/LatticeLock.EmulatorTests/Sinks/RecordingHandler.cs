using System.Text.Json;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>Passes requests through to the network and remembers each one's X-Amz-Target and record count.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<(string Target, int Records)> _requests = [];

    public IReadOnlyList<(string Target, int Records)> Requests { get { lock (_requests) return _requests.ToList(); } }

    public IReadOnlyList<int> WriteRecordsSizes => Requests.Where(r => r.Target.EndsWith(".WriteRecords", StringComparison.Ordinal)).Select(r => r.Records).ToList();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.Single() : "";
        var records = 0;
        if (request.Content is not null)
        {
            using var body = JsonDocument.Parse(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            if (body.RootElement.TryGetProperty("Records", out var list)) records = list.GetArrayLength();
        }
        lock (_requests) _requests.Add((target, records));
        return await base.SendAsync(request, cancellationToken);
    }
}
