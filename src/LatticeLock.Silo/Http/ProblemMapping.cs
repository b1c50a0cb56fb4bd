using LatticeLock.Grains.Abstractions.Errors;
using Npgsql;
using Orleans.Runtime;

namespace LatticeLock.Silo.Http;

/// <summary>Turns every failure of a /v1 request into application/problem+json with the right status and field.</summary>
public sealed class ProblemMapping(RequestDelegate next, ILogger<ProblemMapping> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && Map(e) is { } problem)
        {
            if (problem.Status >= 500) logger.LogWarning(e, "Request {Path} failed", context.Request.Path);
            await Result(problem.Status, problem.Detail, problem.Field, ExtensionsOf(e, context)).ExecuteAsync(context);
        }
        catch (OperationCanceledException e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // The client is still there: something inside gave up (a timeout surfaced as a cancellation), so it is
            // infrastructure trouble to retry, never a 500.
            logger.LogWarning(e, "Request {Path} was cancelled inside the silo", context.Request.Path);
            await Result(StatusCodes.Status503ServiceUnavailable, "the operation was cancelled inside the service (a timeout); retry",
                null, ExtensionsOf(e, context)).ExecuteAsync(context);
        }
    }

    public static Task WriteAsync(HttpContext context, int status, string detail, string? field = null) =>
        Result(status, detail, field).ExecuteAsync(context);

    /// <summary>A problem+json response; <paramref name="field"/> adds <c>errors: {field: [detail]}</c>.</summary>
    public static IResult Result(int status, string detail, string? field = null, IReadOnlyDictionary<string, object?>? extensions = null,
        int retryAfterSeconds = RetryAfterSeconds)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://httpstatuses.io/{status}",
            ["title"] = Title(status),
            ["status"] = status,
            ["detail"] = detail,
        };
        if (field is not null) body["errors"] = new Dictionary<string, string[]> { [field] = [detail] };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) body[key] = value;
        var json = Results.Json(body, contentType: "application/problem+json", statusCode: status);
        return status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests ? new RetryLater(json, retryAfterSeconds) : json;
    }

    /// <summary>Seconds a client should wait before retrying a 503 or 429 (sent as <c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>A 503 or 429 always says when to come back, so clients and OTLP-style exporters back off instead of hammering.</summary>
    private sealed class RetryLater(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>Status, detail and field for an exception the API knows how to explain; null for anything else.</summary>
    public static (int Status, string Detail, string? Field)? Map(Exception e) => e switch
    {
        ApiProblem p => (p.Status, p.Message, p.Field),
        InvalidFieldException f => (StatusCodes.Status400BadRequest, f.Message, f.Field),
        NotFoundException n => (StatusCodes.Status404NotFound, n.Message, null),
        ForbiddenException f => (StatusCodes.Status403Forbidden, f.Message, null),
        ConflictException c => (StatusCodes.Status409Conflict, c.Message, c.Field),
        BudgetExceededException b => (StatusCodes.Status402PaymentRequired, b.Message, "estimated_cost_usd"),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "the body is larger than 1 MiB", "body"),
        BadHttpRequestException b => (b.StatusCode, b.Message, null),
        NotAcknowledgedException l => (StatusCodes.Status503ServiceUnavailable, l.Message, null),
        OverloadedException o => (StatusCodes.Status503ServiceUnavailable, o.Message, null),
        // A silo started with another master key than the one the workspace's data key was sealed under.
        LatticeLock.Storage.Secrets.MasterKeyMismatchException m => (StatusCodes.Status503ServiceUnavailable, m.Message, null),
        // A permanent database refusal is the input's fault, and a retry would fail the same way: 4xx, never 503.
        StorageFailureException { SqlState: ['2', '2', ..] or ['5', '4', ..] } s => (StatusCodes.Status400BadRequest, $"a value could not be stored (SQLSTATE {s.SqlState})", "body"),
        StorageFailureException { SqlState: ['2', '3', ..] } s => (StatusCodes.Status409Conflict, $"the change conflicts with what is stored (SQLSTATE {s.SqlState})", null),
        StorageFailureException s => (StatusCodes.Status503ServiceUnavailable, s.Message, null),
        // System.Text.Json reads a string escape that is no Unicode text (a lone surrogate, \ud800) only when asked for it.
        InvalidOperationException { Source: "System.Text.Json" } => (StatusCodes.Status400BadRequest,
            "body: holds a string that is not valid Unicode (a lone surrogate escape such as \\ud800, or invalid UTF-8)", "body"),
        // A value PostgreSQL cannot take (SQLSTATE class 22, e.g. a NUL character in text; 54, a value past a program
        // limit) is the caller's input: 400 naming the column when PostgreSQL names one. Class 23 (a constraint) is 409.
        PostgresException { SqlState: ['2', '2', ..] or ['5', '4', ..] } pg => (StatusCodes.Status400BadRequest,
            $"a value could not be stored: {pg.MessageText} (SQLSTATE {pg.SqlState}{(pg.ColumnName is { } column ? $", column {column}" : "")})", pg.ColumnName ?? "body"),
        PostgresException { SqlState: ['2', '3', ..] } pg => (StatusCodes.Status409Conflict,
            $"the change conflicts with what is stored (SQLSTATE {pg.SqlState}{(pg.ColumnName is { } conflicting ? $", column {conflicting}" : "")})", pg.ColumnName),
        // An analytics statement cut by LatticeLock:Database:AnalyticsStatementTimeout (no other statement has one).
        PostgresException { SqlState: "57014" } => (StatusCodes.Status503ServiceUnavailable,
            "the query ran past LatticeLock__Database__AnalyticsStatementTimeout and was cancelled; narrow the window or retry", null),
        // The database is unreachable, overloaded or failed mid-call: nothing was acknowledged, try again. The answer
        // names no host, address or driver text (the silo's log has them).
        NpgsqlException => (StatusCodes.Status503ServiceUnavailable, "the database is unavailable; retry", null),
        TimeoutException => (StatusCodes.Status503ServiceUnavailable, "no answer in time; retry", null),
        OrleansException { InnerException: { } inner } when Map(inner) is { } mapped => mapped,
        OrleansException => (StatusCodes.Status503ServiceUnavailable, "the cluster could not complete the call; retry", null),
        _ => null,
    };

    /// <summary>
    /// The <see cref="HttpContext.Items"/> entry holding the id a model request was given before it failed; a problem
    /// answer carries it as <c>id</c>, so the client can retry under the same id.
    /// </summary>
    public const string ModelRequestIdItem = "lattice.model_request_id";

    /// <summary>
    /// Members beyond the standard ones that let a client act on the problem: 402, what is left of the budget; a model
    /// request's failure, the id it was given.
    /// </summary>
    private static Dictionary<string, object?>? ExtensionsOf(Exception e, HttpContext context)
    {
        var extensions = e is BudgetExceededException b
            ? new Dictionary<string, object?> { ["remaining_usd"] = b.RemainingUsd, ["estimated_cost_usd"] = b.EstimatedCostUsd }
            : null;
        if (context.Items.TryGetValue(ModelRequestIdItem, out var id) && id is Guid)
            (extensions ??= [])["id"] = id;
        return extensions;
    }

    private static string Title(int status) => status switch
    {
        400 => "Bad Request", 401 => "Unauthorized", 408 => "Request Timeout", 402 => "Payment Required", 403 => "Forbidden", 404 => "Not Found", 409 => "Conflict",
        413 => "Payload Too Large", 415 => "Unsupported Media Type", 428 => "Precondition Required", 429 => "Too Many Requests",
        503 => "Service Unavailable", _ => "Error",
    };
}
