using Grpc.Core;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Request metadata of Bigtable calls: the routing header <c>x-goog-request-params</c> (percent-encoded
/// <c>key=value</c> pairs joined with <c>&amp;</c>, as google/api/routing.proto specifies), and
/// <c>authorization: Bearer &lt;token&gt;</c> when there is a token.
/// </summary>
public static class BigtableCallHeaders
{
    public const string RoutingHeader = "x-goog-request-params";

    public static async ValueTask<Metadata> ForTableAsync(BigtableOptions options, IBigtableAccessTokenSource tokens, CancellationToken cancellationToken)
    {
        var routing = "table_name=" + Uri.EscapeDataString(options.TableName);
        if (!string.IsNullOrEmpty(options.AppProfileId)) routing += "&app_profile_id=" + Uri.EscapeDataString(options.AppProfileId);
        return await WithTokenAsync(new Metadata { { RoutingHeader, routing } }, tokens, cancellationToken);
    }

    public static async ValueTask<Metadata> ForInstanceAsync(BigtableOptions options, IBigtableAccessTokenSource tokens, CancellationToken cancellationToken) =>
        await WithTokenAsync(new Metadata { { RoutingHeader, "parent=" + Uri.EscapeDataString(options.InstanceName) } }, tokens, cancellationToken);

    private static async ValueTask<Metadata> WithTokenAsync(Metadata headers, IBigtableAccessTokenSource tokens, CancellationToken cancellationToken)
    {
        if (await tokens.GetAccessTokenAsync(cancellationToken) is { Length: > 0 } token) headers.Add("authorization", "Bearer " + token);
        return headers;
    }
}
