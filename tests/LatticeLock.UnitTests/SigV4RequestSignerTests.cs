using System.Net.Http.Headers;
using LatticeLock.Metrics.Timestream;

namespace LatticeLock.UnitTests;

/// <summary>
/// The signer against the public AWS SigV4 test suite (awslabs/aws-c-auth, tests/aws-signing-test-suite/v4): its
/// example credentials, date, region and service, and the signatures it publishes.
/// </summary>
public sealed class SigV4RequestSignerTests
{
    private static readonly AwsCredentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private static readonly SigV4RequestSigner SuiteSigner = new("service", "us-east-1");

    [Fact]
    public void Get_vanilla_matches_the_published_signature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        var signature = SuiteSigner.Sign(request, [], SuiteCredentials, SuiteTime);

        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            string.Join(",", request.Headers.GetValues("Authorization")));
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("X-Amz-Date").Single());
    }

    [Fact]
    public void Get_vanilla_with_session_token_signs_the_token()
    {
        var credentials = SuiteCredentials with { SessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" };
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        var signature = SuiteSigner.Sign(request, [], credentials, SuiteTime);

        Assert.Equal("07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8", signature);
        Assert.Equal(credentials.SessionToken, request.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Contains("SignedHeaders=host;x-amz-date;x-amz-security-token,", request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void Post_x_www_form_urlencoded_with_signed_body_matches_the_published_signature()
    {
        var body = "Param1=value1"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Content.Headers.ContentLength = 13;

        var signature = SuiteSigner.Sign(request, body, SuiteCredentials, SuiteTime, addContentSha256Header: true);

        Assert.Equal("d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b", signature);
        Assert.Equal("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", request.Headers.GetValues("x-amz-content-sha256").Single());
        Assert.Contains("SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date,", request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void A_changed_secret_body_or_time_changes_the_signature()
    {
        string Sign(AwsCredentials c, byte[] body, DateTime at)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/") { Content = new ByteArrayContent(body) };
            return SuiteSigner.Sign(request, body, c, at);
        }
        var baseline = Sign(SuiteCredentials, "a"u8.ToArray(), SuiteTime);
        Assert.NotEqual(baseline, Sign(SuiteCredentials with { SecretAccessKey = "other" }, "a"u8.ToArray(), SuiteTime));
        Assert.NotEqual(baseline, Sign(SuiteCredentials, "b"u8.ToArray(), SuiteTime));
        Assert.NotEqual(baseline, Sign(SuiteCredentials, "a"u8.ToArray(), SuiteTime.AddSeconds(1)));
        Assert.Equal(baseline, Sign(SuiteCredentials, "a"u8.ToArray(), SuiteTime));
    }
}
