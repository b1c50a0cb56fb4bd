using System.Net;
using System.Net.Sockets;
using LatticeLock.Grains.Projects;

namespace LatticeLock.Silo.Budgets;

/// <summary>
/// The webhook client's connect step: resolve the host now, drop every address the policy refuses, connect to the
/// first allowed one. A host with no allowed address fails before any byte is sent.
/// </summary>
public static class WebhookConnections
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Guarded(WebhookTargetPolicy policy) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = addresses.Where(a => policy.Refusal(a) is null).ToArray();
            if (allowed.Length == 0)
                throw new WebhookTargetRefusedException($"webhook host {host} resolves to no public address");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}

/// <summary>A webhook target the policy refuses (its addresses are not public and not trusted).</summary>
public sealed class WebhookTargetRefusedException(string message) : HttpRequestException(message);
