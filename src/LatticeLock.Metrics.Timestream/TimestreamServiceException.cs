using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// An error answer of the Timestream JSON API: HTTP status, AWS error type (e.g. <c>ThrottlingException</c>,
/// <c>ValidationException</c>) and AWS's message; for <c>RejectedRecordsException</c>, the refused records.
/// </summary>
public sealed partial class TimestreamServiceException : Exception
{
    private static readonly HashSet<string> TransientTypes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException",
        "RequestTimeout", "RequestTimeoutException", "InvalidEndpointException",
    };

    public TimestreamServiceException(string operation, HttpStatusCode statusCode, string errorType, string serviceMessage, IReadOnlyList<TimestreamRejectedRecord> rejectedRecords)
        : base($"Timestream {operation} failed: HTTP {(int)statusCode} {errorType}: {serviceMessage}")
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorType = errorType;
        ServiceMessage = serviceMessage;
        RejectedRecords = rejectedRecords;
    }

    public string Operation { get; }
    public HttpStatusCode StatusCode { get; }

    /// <summary>The AWS error type without namespace, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorType { get; }

    public string ServiceMessage { get; }
    public IReadOnlyList<TimestreamRejectedRecord> RejectedRecords { get; }

    public bool IsRejectedRecords => ErrorType == "RejectedRecordsException";

    /// <summary>The endpoint from discovery is no longer valid for this account: discover again, then retry.</summary>
    public bool IsInvalidEndpoint => ErrorType == "InvalidEndpointException" || (int)StatusCode == 421;

    /// <summary>Throttling, server-side failures: worth retrying the same call after a backoff.</summary>
    public bool IsTransient => (int)StatusCode >= 500 || StatusCode == HttpStatusCode.TooManyRequests || IsInvalidEndpoint || TransientTypes.Contains(ErrorType);

    /// <summary>Reads an error answer: the type from <c>__type</c> or <c>x-amzn-ErrorType</c>, the message from <c>message</c>/<c>Message</c>.</summary>
    public static TimestreamServiceException FromResponse(string operation, HttpStatusCode status, string? errorTypeHeader, byte[] body)
    {
        string? type = null, message = null;
        IReadOnlyList<TimestreamRejectedRecord> rejected = [];
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("__type", out var t) && t.ValueKind == JsonValueKind.String) type = t.GetString();
                if (root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
                else if (root.TryGetProperty("Message", out var m2) && m2.ValueKind == JsonValueKind.String) message = m2.GetString();
                rejected = TimestreamRejectedRecord.ParseAll(root);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy, or an XML error from a front end): look for <Code>/<Message>, else keep the raw text.
            var text = System.Text.Encoding.UTF8.GetString(body);
            var code = XmlCode().Match(text);
            var xmlMessage = XmlMessage().Match(text);
            type = code.Success ? code.Groups[1].Value : null;
            message = xmlMessage.Success ? xmlMessage.Groups[1].Value : text.Length > 500 ? text[..500] : text;
        }
        type ??= errorTypeHeader;
        return new TimestreamServiceException(operation, status, ShortType(type) ?? $"HTTP{(int)status}", message ?? "(no message)", rejected);
    }

    /// <summary><c>com.amazonaws.timestream.v20181101#ThrottlingException</c> or <c>ThrottlingException:http://...</c> → <c>ThrottlingException</c>.</summary>
    public static string? ShortType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type)) return null;
        var hash = type.LastIndexOf('#');
        if (hash >= 0) type = type[(hash + 1)..];
        var colon = type.IndexOf(':');
        if (colon >= 0) type = type[..colon];
        return type.Trim();
    }

    [GeneratedRegex("<Code>([^<]*)</Code>")]
    private static partial Regex XmlCode();

    [GeneratedRegex("<Message>([^<]*)</Message>")]
    private static partial Regex XmlMessage();
}
