using System.Net;
using System.Net.Sockets;

namespace LatticeLock.AppHost;

/// <summary>
/// Free loopback ports for the resources of this run, each handed out once: the operating system can offer a port
/// again as soon as its probe listener closes, so ports already given to a resource are skipped.
/// </summary>
internal static class LoopbackPorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port)) return port;
            }
        }
    }
}
