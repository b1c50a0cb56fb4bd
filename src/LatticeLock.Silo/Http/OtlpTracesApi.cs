using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Silo.Otlp;
using LatticeLock.Silo.Otlp.Proto;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Http;

/// <summary>
/// The OTLP/HTTP trace receiver: <c>POST /otlp/v1/traces</c>, so that an exporter configured with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT=http://host:port/otlp</c> and <c>OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer ll_…</c>
/// sends here. Needs <c>sessions:write</c>. 200 with an ExportTraceServiceResponse (partial_success counts refused
/// spans) once everything accepted is committed; 400/413/415 for bodies that cannot be read; 429 and 503 with
/// Retry-After, which exporters retry.
/// </summary>
public static class OtlpTracesApi
{
    public static WebApplication MapOtlpTracesApi(this WebApplication app)
    {
        app.MapPost("/otlp/v1/traces", ExportAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task ExportAsync(HttpContext http, OtlpTraceIngest ingest, OtlpExportGate gate, WorkspaceAccess access, IOptions<OtlpOptions> options)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        // Spans land in the key's workspace (else the user's personal one): the key's user must be allowed to write there.
        await access.RequireAsync(caller, WorkspaceAccess.DefaultWorkspace(caller), WorkspacePolicy.WriteSessions);
        var encoding = OtlpPayload.EncodingOf(http.Request);
        var o = options.Value;
        var limit = o.MaxBodyBytes;
        if (http.Request.ContentLength > limit)
            throw new ApiProblem(StatusCodes.Status413PayloadTooLarge, $"body: the export request is larger than {limit} bytes (LatticeLock__Otlp__MaxBodyBytes); send smaller batches", "body");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;

        // The body is received (under a deadline) before an export slot is taken; its bytes count against
        // the silo's budget until the export is answered: the declared length, or the whole limit when it is unknown or
        // compressed; an OTLP/JSON body counts JsonMemoryFactor times that, for the document tree its decoding builds.
        var reserve = (http.Request.ContentLength is { } declared && http.Request.Headers.ContentEncoding.Count == 0 ? Math.Max(declared, 1) : limit)
            * (encoding == OtlpPayload.Json ? OtlpPayload.JsonMemoryFactor : 1);
        using var bytes = gate.TryReserve(reserve) ?? throw new ApiProblem(StatusCodes.Status429TooManyRequests,
            $"export bodies of {o.MaxBytesInFlight} bytes are being received on this silo, its limit (LatticeLock__Otlp__MaxBytesInFlight); retry after the delay in Retry-After");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(o.BodyReadTimeout);
        byte[] body;
        try
        {
            body = await OtlpPayload.ReadAsync(http.Request, limit, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            throw new ApiProblem(StatusCodes.Status408RequestTimeout,
                $"body: not received within {o.BodyReadTimeout.TotalSeconds:0.###} s (LatticeLock__Otlp__BodyReadTimeout)", "body");
        }
        using var slot = gate.TryEnter() ?? throw new ApiProblem(StatusCodes.Status429TooManyRequests,
            $"{o.MaxConcurrentExports} exports are in progress on this silo, its limit (LatticeLock__Otlp__MaxConcurrentExports); retry after the delay in Retry-After");
        var response = await ingest.IngestAsync(caller, OtlpPayload.Resources(body, encoding), http.RequestAborted);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = encoding;
        await http.Response.Body.WriteAsync(OtlpPayload.Response(response, encoding), http.RequestAborted);
    }
}
