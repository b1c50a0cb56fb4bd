using System.Security.Cryptography;
using System.Text;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Silo.Http;
using LatticeLock.Silo.Otlp.Proto;
using LatticeLock.Storage;
using LatticeLock.Storage.Traces;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// One OTLP export, end to end: spans read and checked against the limits; each trace tied to a LatticeLock session
/// of the key's user when a span names a conversation (or has an LLM call); every LLM span recorded as a model request
/// through its session grain (id derived from the owner, trace and span ids, so a re-export records nothing twice and
/// nobody else can take the id); then every span committed through the span log. A trace id is scoped to the key's
/// user. Returns only once all of that is committed; the answer counts the spans refused and says why.
/// </summary>
public sealed class OtlpTraceIngest(IGrainFactory grains, SpanLog log, TraceQueries traces, ExternalSessions externalSessions, DeploymentKeys keys,
    SessionOwners sessionOwners, IOptions<OtlpOptions> options)
{
    public async Task<ExportTraceServiceResponse> IngestAsync(ApiKeyPrincipal caller, IEnumerable<OtlpResourceSpans> export, CancellationToken cancellationToken)
    {
        var read = OtlpSpanReader.Read(export, options.Value);
        var spans = read.Spans;
        var warnings = new List<string>();

        // Only traces that need a session (an LLM call, or a conversation id) are looked up before storing.
        // Keyed by reference: the spans are records, and value equality would hash every attribute string per lookup.
        var conversations = spans.GroupBy(s => s.Row.TraceId).ToDictionary(t => t.Key, t => t.Select(s => s.Conversation).FirstOrDefault(c => c is not null));
        var linked = spans.Where(s => s.Call is not null).Select(s => s.Row.TraceId)
            .Concat(conversations.Where(c => c.Value is not null).Select(c => c.Key)).Distinct().ToArray();
        var known = await traces.FindManyAsync(caller.UserId, linked, cancellationToken);

        // The session of each such trace: one it already has, the conversation a span names, or (for LLM calls without
        // one) a session of its own. At most MaxNewSessionsPerExport sessions are made; spans of further traces are refused.
        var sessions = new Dictionary<string, Guid>();
        var newSessions = 0;
        foreach (var traceId in linked)
        {
            if (known.TryGetValue(traceId, out var stored) && stored is { } existing)
            {
                sessions[traceId] = existing;
                continue;
            }
            var conversation = conversations[traceId] ?? $"trace:{traceId}";
            var (session, created) = await SessionForAsync(caller, conversation, newSessions < options.Value.MaxNewSessionsPerExport, cancellationToken);
            if (session is { } found)
            {
                sessions[traceId] = found;
                if (created) newSessions++;
                continue;
            }
            var refused = spans.RemoveAll(s => s.Row.TraceId == traceId);
            read.Reject(refused, $"trace {traceId}: {refused} spans refused: the export would create more than {options.Value.MaxNewSessionsPerExport} sessions (LatticeLock__Otlp__MaxNewSessionsPerExport)");
        }

        // LLM spans become model requests, all at once (the session grain interleaves them into one group commit).
        var idKey = await keys.GetAsync(DeploymentKeys.SpanRequestIds, cancellationToken);
        var recorded = await Task.WhenAll(spans.Where(s => s.Call is not null).Select(async s =>
        {
            var record = ModelRequestOf(ModelRequestIdOf(idKey, caller.UserId, s.Row.TraceId, s.Row.SpanId), s.Row, s.Call!);
            try
            {
                await grains.GetGrain<ISessionGrain>(sessions[s.Row.TraceId]).RecordModelRequest(record, cancellationToken);
                return (Span: s, Id: (Guid?)record.Id, Warning: (string?)null);
            }
            catch (Exception e) when (e is InvalidFieldException or ConflictException)
            {
                return (Span: s, Id: (Guid?)null, Warning: $"span {s.Row.SpanId}: stored, but not recorded as a model request: {e.Message}");
            }
        }));
        var requestIds = recorded.Where(r => r.Id is not null).ToDictionary(r => r.Span, r => r.Id, (IEqualityComparer<OtlpSpanReader.ReadSpan>)ReferenceEqualityComparer.Instance);
        warnings.AddRange(recorded.Select(r => r.Warning).OfType<string>());

        var rows = spans.Select(s => requestIds.TryGetValue(s, out var id) ? s.Row with { ModelRequestId = id } : s.Row).ToList();
        if (rows.Count > 0)
        {
            var used = new HashSet<object>(rows.Select(row => (object)row.ResourceId), ReferenceEqualityComparer.Instance);
            var resources = read.Resources.Where(r => used.Contains(r.Id)).ToList();
            var result = await log.AppendAsync(new SpanBatch(caller.UserId, rows, sessions, resources, WorkspaceAccess.DefaultWorkspace(caller)), cancellationToken);
            OtlpMeter.Spans(result.Stored, result.AlreadyStored, read.Rejected);
        }
        else
        {
            OtlpMeter.Spans(0, 0, read.Rejected);
        }

        var response = new ExportTraceServiceResponse();
        if (read.Rejected > 0 || warnings.Count > 0)
        {
            var messages = read.Rejections.Concat(warnings).ToList();
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = read.Rejected,
                ErrorMessage = string.Join("; ", messages.Take(10)) + (messages.Count > 10 ? $"; and {messages.Count - 10} more" : ""),
            };
        }
        return response;
    }

    /// <summary>
    /// The session a conversation id names: a session the key may write in its workspace, as is; anything else maps to
    /// a session created for it on first sight (one per user and external id) in the key's workspace (else the user's
    /// personal one).
    /// </summary>
    private async Task<(Guid? Session, bool Created)> SessionForAsync(ApiKeyPrincipal caller, string conversation, bool mayCreate, CancellationToken cancellationToken)
    {
        var userId = caller.UserId;
        if (Guid.TryParse(conversation, out var id))
        {
            try
            {
                await sessionOwners.RequireAsync(caller, id, WorkspacePolicy.WriteSessions);
                return (id, false);
            }
            catch (Exception e) when (e is NotFoundException or ApiProblem)
            {
                // not one the key may write to: an external id like any other
            }
        }
        if (await externalSessions.FindAsync(userId, conversation, cancellationToken) is { } mapped) return (mapped, false);
        if (!mayCreate) return (null, false);
        var session = await externalSessions.ClaimAsync(userId, conversation, Guid.NewGuid(), cancellationToken);
        var metadata = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["source"] = "otlp", ["external_id"] = conversation });
        await grains.GetGrain<ISessionGrain>(session).Start(new StartSession(userId, null, metadata, WorkspaceAccess.DefaultWorkspace(caller)), cancellationToken);
        return (session, true);
    }

    private static ModelRequestRecord ModelRequestOf(Guid id, SpanRow span, LlmCall call)
    {
        var failed = span.StatusCode == 2 || call.ErrorType is not null;
        var latency = (span.EndUnixNano - span.StartUnixNano) / 1_000_000;
        return new ModelRequestRecord
        {
            Id = id,
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            ModelId = call.Model,
            Provider = call.Provider,
            RequestedAt = span.StartedAt,
            RespondedAt = DateTimeOffset.UnixEpoch.AddTicks(span.EndUnixNano / 100),
            LatencyMs = latency > int.MaxValue ? int.MaxValue : (int)latency,
            InputTokens = call.InputTokens,
            OutputTokens = call.OutputTokens,
            CachedInputTokens = call.CachedInputTokens,
            CacheWriteInputTokens = call.CacheWriteInputTokens,
            ReasoningOutputTokens = call.ReasoningOutputTokens,
            ServiceTier = call.ServiceTier,
            Status = failed ? ModelRequestStatus.Error : ModelRequestStatus.Success,
            ErrorCode = failed ? call.ErrorType ?? "error" : null,
            ErrorMessage = failed ? span.StatusMessage : null,
            Temperature = call.Temperature,
            MaxTokens = call.MaxTokens,
            MetadataJson = LlmSpanConventions.Metadata(call, span.TraceId, span.SpanId),
        };
    }

    /// <summary>
    /// The model request id of an LLM span: a version-8 UUID of the HMAC-SHA256, under this deployment's
    /// <c>span_request_ids</c> key, of its owner, trace and span ids; the same on every re-export by that owner, and
    /// unpredictable to anyone without the key, so nobody can store a request under it first.
    /// </summary>
    public static Guid ModelRequestIdOf(byte[] key, Guid ownerId, string traceId, string spanId)
    {
        var hash = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"latticelock/otlp-span/{ownerId:N}/{traceId}/{spanId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
