using System.Security.Cryptography;
using System.Text;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Silo.Otlp.Proto;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// One OTLP export, end to end: spans read and checked; each trace tied to a LatticeLock session of the key's user
/// when a span names a conversation (or has an LLM call); every LLM span recorded as a model request through its
/// session grain (id derived from trace and span ids, so a re-export records nothing twice); then every span committed
/// through the span log. Returns only once all of that is committed; the answer counts the spans refused.
/// </summary>
public sealed class OtlpTraceIngest(IGrainFactory grains, SpanLog log, TraceQueries traces, ExternalSessions externalSessions)
{
    public async Task<ExportTraceServiceResponse> IngestAsync(ApiKeyPrincipal caller, ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        var (spans, rejections) = OtlpSpanReader.Read(request);
        var warnings = new List<string>();
        var rejectedSpans = rejections.Count; // one per span the reader refused

        // Only traces that need a session (an LLM call, or a conversation id) are looked up before storing: another
        // user's trace takes none of this key's spans (the span log refuses the rest the same way, in its commit).
        // Keyed by reference: the spans are records, and value equality would hash every attribute string per lookup.
        var calls = spans.ToDictionary(s => s, s => LlmSpanConventions.Read(s.Attributes), (IEqualityComparer<OtlpSpanReader.ReadSpan>)ReferenceEqualityComparer.Instance);
        var resourceConversations = new Dictionary<OtlpAttributes, string?>(ReferenceEqualityComparer.Instance);
        var conversations = spans.GroupBy(s => s.Row.TraceId).ToDictionary(t => t.Key,
            t => t.Select(s => LlmSpanConventions.ConversationOf(s.Attributes) ?? ResourceConversation(s.ResourceAttributes)).FirstOrDefault(c => c is not null));
        string? ResourceConversation(OtlpAttributes resource) => resourceConversations.TryGetValue(resource, out var c)
            ? c
            : resourceConversations[resource] = LlmSpanConventions.ConversationOf(resource);
        var linked = spans.Where(s => calls[s] is not null).Select(s => s.Row.TraceId)
            .Concat(conversations.Where(c => c.Value is not null).Select(c => c.Key)).Distinct().ToArray();
        var known = await traces.FindManyAsync(linked, cancellationToken);
        foreach (var foreign in known.Where(k => k.Value.UserId != caller.UserId).Select(k => k.Key))
        {
            var refused = spans.RemoveAll(s => s.Row.TraceId == foreign);
            rejectedSpans += refused;
            rejections.Add($"trace {foreign}: belongs to another user ({refused} spans refused)");
        }

        // The session of each such trace: one it already has, the conversation a span names, or (for LLM calls without
        // one) a session of its own.
        var sessions = new Dictionary<string, Guid>();
        foreach (var traceId in linked.Where(t => known.GetValueOrDefault(t).UserId == caller.UserId || !known.ContainsKey(t)))
        {
            if (known.TryGetValue(traceId, out var stored) && stored.SessionId is { } existing)
            {
                sessions[traceId] = existing;
                continue;
            }
            sessions[traceId] = await SessionForAsync(caller.UserId, conversations[traceId] ?? $"trace:{traceId}", cancellationToken);
        }

        // LLM spans become model requests, all at once (the session grain interleaves them into one group commit).
        var recorded = await Task.WhenAll(spans.Where(s => calls[s] is not null).Select(async s =>
        {
            var record = ModelRequestOf(s.Row, calls[s]!);
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
            var result = await log.AppendAsync(new SpanBatch(caller.UserId, rows, sessions), cancellationToken);
            foreach (var foreign in result.ForeignTraces)
            {
                var refused = rows.Count(r => r.TraceId == foreign);
                rejectedSpans += refused;
                rejections.Add($"trace {foreign}: belongs to another user ({refused} spans refused)");
            }
            OtlpMeter.Spans(result.Stored, result.AlreadyStored, rejectedSpans);
        }

        var response = new ExportTraceServiceResponse();
        if (rejections.Count > 0 || warnings.Count > 0)
        {
            var messages = rejections.Concat(warnings).ToList();
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejectedSpans,
                ErrorMessage = string.Join("; ", messages.Take(10)) + (messages.Count > 10 ? $"; and {messages.Count - 10} more" : ""),
            };
        }
        return response;
    }

    /// <summary>
    /// The session a conversation id names: one of the user's own session ids as is; anything else maps to a session
    /// created for it on first sight (one per user and external id).
    /// </summary>
    private async Task<Guid> SessionForAsync(Guid userId, string conversation, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(conversation, out var id))
        {
            try
            {
                var summary = await grains.GetGrain<ISessionGrain>(id).GetSummary();
                if (summary.UserId == userId) return id;
            }
            catch (NotFoundException)
            {
                // not one of ours: an external id like any other
            }
        }
        var session = await externalSessions.ClaimAsync(userId, conversation, Guid.NewGuid(), cancellationToken);
        var metadata = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["source"] = "otlp", ["external_id"] = conversation });
        await grains.GetGrain<ISessionGrain>(session).Start(new StartSession(userId, null, metadata), cancellationToken);
        return session;
    }

    private static ModelRequestRecord ModelRequestOf(SpanRow span, LlmCall call)
    {
        var failed = span.StatusCode == 2 || call.ErrorType is not null;
        var latency = (span.EndUnixNano - span.StartUnixNano) / 1_000_000;
        return new ModelRequestRecord
        {
            Id = ModelRequestIdOf(span.TraceId, span.SpanId),
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
            Status = failed ? ModelRequestStatus.Error : ModelRequestStatus.Success,
            ErrorCode = failed ? call.ErrorType ?? "error" : null,
            ErrorMessage = failed ? span.StatusMessage : null,
            Temperature = call.Temperature,
            MaxTokens = call.MaxTokens,
            MetadataJson = LlmSpanConventions.Metadata(call, span.TraceId, span.SpanId),
        };
    }

    /// <summary>The model request id of an LLM span: a name-based UUID (version 8) of its trace and span ids, the same on every re-export.</summary>
    public static Guid ModelRequestIdOf(string traceId, string spanId)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes($"latticelock/otlp-span/{traceId}/{spanId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
