using Grpc.Net.Client;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// gRPC channels to Bigtable: TLS for <c>https://</c> endpoints, plaintext HTTP/2 (prior knowledge) for <c>http://</c>
/// ones such as the emulator. Several HTTP/2 connections may be opened, so parallel streams are not capped by one
/// connection's stream limit. After connection failures the channel waits before reconnecting (and fails calls fast
/// meanwhile); the wait is capped at 2 s instead of gRPC's 120 s so writes resume soon after an outage ends.
/// </summary>
public static class BigtableChannel
{
    public static GrpcChannel Create(Uri endpoint) => GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        },
        DisposeHttpClient = true,
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
        MaxReconnectBackoff = TimeSpan.FromSeconds(2),
        MaxReceiveMessageSize = 256 * 1024 * 1024,
    });
}
