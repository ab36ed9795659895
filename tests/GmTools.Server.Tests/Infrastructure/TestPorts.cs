using System.Net;
using System.Net.Sockets;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>A TCP port on loopback that nothing listens on right now, for the private servers fault tests start.</summary>
internal static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
