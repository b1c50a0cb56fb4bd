using System.Net.Http.Headers;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// One call of the Timestream JSON 1.0 protocol: <c>POST /</c> with <c>X-Amz-Target: Timestream_20181101.&lt;Operation&gt;</c>,
/// signed with SigV4 for service <c>timestream</c>. Returns the response body of a 2xx answer; throws
/// <see cref="TimestreamServiceException"/> for an error answer, <see cref="TimeoutException"/> when the call takes
/// longer than the timeout, and lets transport errors (<see cref="HttpRequestException"/>) through. It never retries.
/// </summary>
public sealed class TimestreamJsonClient(HttpClient http, SigV4RequestSigner signer, AwsCredentials credentials, TimeSpan timeout, TimeProvider clock)
{
    public const string ServiceName = "timestream";
    public const string TargetPrefix = "Timestream_20181101.";
    public const string ContentType = "application/x-amz-json-1.0";

    public async Task<byte[]> SendAsync(Uri endpoint, string operation, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/"));
        request.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + operation);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        signer.Sign(request, body, credentials, clock.GetUtcNow().UtcDateTime);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeoutSource.Token);
            var responseBody = await response.Content.ReadAsByteArrayAsync(timeoutSource.Token);
            if (response.IsSuccessStatusCode) return responseBody;
            var typeHeader = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
            throw TimestreamServiceException.FromResponse(operation, response.StatusCode, typeHeader, responseBody);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timestream {operation} to {endpoint} did not answer within {timeout.TotalSeconds:0.###} s");
        }
    }
}
