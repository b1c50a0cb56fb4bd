using System.Net;
using System.Net.Sockets;

namespace LatticeLock.Testing;

/// <summary>
/// Loopback ports for tests: a free one to hand a process, whether something still listens on one, and on which
/// local addresses the kernel says a port is listening.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> different free ports. Asking <see cref="Free"/> twice can give the same port twice (the
    /// first is released before the second is picked), so the listeners stay open until all are chosen.
    /// </summary>
    public static int[] Distinct(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }

    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Listening(int port)
    {
        try
        {
            using var socket = new TcpClient();
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// The local addresses of every socket listening on <paramref name="port"/>, from the kernel's tables
    /// (<c>/proc/net/tcp</c> and <c>tcp6</c>: address and port in hex, state 0A = LISTEN), e.g. <c>0100007F</c> for
    /// 127.0.0.1 and <c>00000000</c> for 0.0.0.0.
    /// </summary>
    public static List<string> ListeningAddresses(int port) =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(table => File.ReadAllLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[3] == "0A" && Convert.ToInt32(fields[1].Split(':')[1], 16) == port)
            .Select(fields => fields[1].Split(':')[0])
            .ToList();
}
