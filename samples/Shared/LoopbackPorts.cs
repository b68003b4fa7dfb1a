using System.Net;
using System.Net.Sockets;

namespace Samples;

/// <summary>
/// Free loopback ports for running the three services in one go (the demo, the chain benchmark, the sample process
/// tests): their addresses point at each other (the Backend calls the AI service, which calls back into the Backend), so
/// every port must be known before any service starts. Linked into each project that needs it.
/// </summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// Asks the OS for <paramref name="count"/> distinct free ports on 127.0.0.1, then releases them for the services to
    /// bind. Another process could take one in between; on loopback, within a second, that is rare.
    /// </summary>
    public static int[] Pick(int count)
    {
        var listeners = new TcpListener[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
            }

            return Array.ConvertAll(listeners, static l => ((IPEndPoint)l.LocalEndpoint).Port);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener?.Stop();
            }
        }
    }
}
