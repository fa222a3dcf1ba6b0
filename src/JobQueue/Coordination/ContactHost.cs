using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace JobQueue.Coordination;

/// <summary>The host workers dial: the one configured, else the bound address, else a routable address of this machine.</summary>
internal static class ContactHost
{
    public static string Choose(CoordinatorSettings settings)
    {
        if (settings.ContactHost is not null)
        {
            return settings.ContactHost;
        }

        var bound = IPAddress.Parse(settings.ListenAddress);
        if (!bound.Equals(IPAddress.Any))
        {
            return bound.ToString();
        }

        // Bound to every interface: workers on other machines need one they can route to.
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(card => card.OperationalStatus == OperationalStatus.Up && card.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(card => card.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(candidate => candidate.AddressFamily == AddressFamily.InterNetwork)?.ToString()
            ?? IPAddress.Loopback.ToString();
    }
}
