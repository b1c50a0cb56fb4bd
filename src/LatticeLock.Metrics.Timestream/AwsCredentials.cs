namespace LatticeLock.Metrics.Timestream;

/// <summary>The static AWS credentials a request is signed with: an access key, its secret and, for temporary credentials, a session token.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";
    public const string SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";

    /// <summary>
    /// The credentials from <paramref name="options"/>, falling back to the environment variables AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN for whatever the options leave empty; null when no key pair is found.
    /// </summary>
    public static AwsCredentials? From(TimestreamOptions options)
    {
        var accessKeyId = FirstSet(options.AccessKeyId, Environment.GetEnvironmentVariable(AccessKeyIdVariable));
        var secret = FirstSet(options.SecretAccessKey, Environment.GetEnvironmentVariable(SecretAccessKeyVariable));
        var token = FirstSet(options.SessionToken, Environment.GetEnvironmentVariable(SessionTokenVariable));
        return accessKeyId is null || secret is null ? null : new AwsCredentials(accessKeyId, secret, token);
    }

    private static string? FirstSet(string? a, string? b) =>
        !string.IsNullOrWhiteSpace(a) ? a.Trim() : !string.IsNullOrWhiteSpace(b) ? b.Trim() : null;

    /// <summary>Never prints the secret or the token.</summary>
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
