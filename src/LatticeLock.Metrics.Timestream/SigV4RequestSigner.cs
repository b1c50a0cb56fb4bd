using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with AWS Signature Version 4, using AWSSDK.Core's
/// <see cref="AWS4Signer"/> for the canonical request, the signing key and the signature. Every header already on the
/// request (and its content) is signed, plus <c>host</c> and <c>x-amz-date</c> (and <c>x-amz-security-token</c> for
/// temporary credentials), so nothing that reaches the server unsigned can change the meaning of the request.
/// </summary>
public sealed class SigV4RequestSigner(string service, string region)
{
    public string Service { get; } = service;
    public string Region { get; } = region;

    /// <summary>
    /// Adds <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> (when the credentials have one), optionally
    /// <c>x-amz-content-sha256</c>, and <c>Authorization</c> to <paramref name="request"/>. <paramref name="payload"/> must be
    /// exactly the bytes that will be sent as the body.
    /// </summary>
    public string Sign(HttpRequestMessage request, ReadOnlySpan<byte> payload, AwsCredentials credentials, DateTime signedAtUtc, bool addContentSha256Header = false)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("the request has no URI", nameof(request));
        if (!uri.IsAbsoluteUri) throw new ArgumentException("the request URI must be absolute", nameof(request));
        signedAtUtc = DateTime.SpecifyKind(signedAtUtc, DateTimeKind.Utc);

        foreach (var name in new[] { "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256" })
            request.Headers.Remove(name);

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers) headers[name] = string.Join(",", values);
        if (request.Content is not null)
            foreach (var (name, values) in request.Content.Headers) headers[name] = string.Join(",", values);
        // Sets Host (with a non-default port) and X-Amz-Date exactly as AWSSDK.Core does for its own requests (and
        // drops any earlier signature headers, x-amz-content-sha256 included, so those are added after it).
        AWS4Signer.InitializeHeaders(headers, uri, signedAtUtc);
        if (credentials.SessionToken is not null) headers["X-Amz-Security-Token"] = credentials.SessionToken;
        if (addContentSha256Header) headers["x-amz-content-sha256"] = payloadHash;

        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers) sorted[name.ToLowerInvariant()] = value;
        var canonicalRequest = SdkCanonicalizer.Request(request.Method.Method, uri, sorted, payloadHash);
        var signedHeaders = SdkCanonicalizer.HeaderNames(sorted);
        var result = AWS4Signer.ComputeSignature(
            new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken),
            Region, signedAtUtc, Service, signedHeaders, canonicalRequest);

        request.Headers.TryAddWithoutValidation("X-Amz-Date", headers["X-Amz-Date"]);
        if (credentials.SessionToken is not null) request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        if (addContentSha256Header) request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        return result.Signature;
    }

    /// <summary>Reaches AWS4Signer's protected canonicalisation helpers; it signs nothing itself.</summary>
    private sealed class SdkCanonicalizer : AWS4Signer
    {
        public static string Request(string method, Uri uri, IDictionary<string, string> sortedHeaders, string payloadHash) =>
            CanonicalizeRequest(
                new Uri(uri.GetLeftPart(UriPartial.Authority)), uri.AbsolutePath, method, sortedHeaders,
                CanonicalizeQueryParameters(uri.Query.TrimStart('?')), payloadHash);

        public static string HeaderNames(IDictionary<string, string> sortedHeaders) => CanonicalizeHeaderNames(sortedHeaders);
    }
}
