using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>The network interface of <see cref="JobQueueOptions.Interface"/>, as the coordinator's settings carry it.</summary>
/// <param name="Name">The interface, e.g. <c>ib0</c>.</param>
/// <param name="Option">The option's full name for messages, e.g. <c>SlurmOptions.Interface</c>.</param>
/// <param name="Binds">Whether the coordinator binds the interface's address (<see cref="ClusterOptions.ListenAddress"/> was not given).</param>
internal sealed record InterfaceSetting(string Name, string Option, bool Binds);

/// <summary>
/// Where the coordinator listens, the host workers dial, and why. The order: <see cref="ClusterOptions.ContactAddress"/>
/// and <see cref="ClusterOptions.ListenAddress"/> when given, then the address of <see cref="JobQueueOptions.Interface"/>
/// (its IPv4, else its IPv6), then this machine's first network address. Chosen when the coordinator starts, so that a
/// job script still renders on a laptop without the cluster's interfaces.
/// </summary>
/// <param name="Bind">The address the coordinator binds.</param>
/// <param name="ContactHost">The host of the address workers dial, an IPv6 address in brackets.</param>
/// <param name="Reason">Why, after the address: e.g. <c>from Interface ib0</c>.</param>
internal sealed record CoordinatorAddress(IPAddress Bind, string ContactHost, string Reason)
{
    /// <exception cref="ArgumentException">The interface does not exist or has no address; the message lists those that exist.</exception>
    public static CoordinatorAddress Choose(CoordinatorSettings settings)
    {
        var interfaces = NetworkInterface.GetAllNetworkInterfaces;
        var listen = IPAddress.Parse(settings.ListenAddress);
        var wanted = settings.Interface;
        var fromInterface = wanted is not null && (wanted.Binds || (IsAny(listen) && settings.ContactHost is null)) ? AddressOf(wanted) : null;
        var bind = wanted is { Binds: true } ? fromInterface! : listen;
        if (settings.ContactHost is { } contact)
        {
            return new CoordinatorAddress(bind, contact, "from ContactAddress");
        }

        if (fromInterface is not null)
        {
            return new CoordinatorAddress(bind, UriHost(fromInterface), $"from Interface {wanted!.Name}");
        }

        if (!IsAny(bind))
        {
            return new CoordinatorAddress(bind, UriHost(bind), "from ListenAddress");
        }

        // Bound to every interface: workers on other machines need an address they can route to.
        var first = interfaces()
            .Where(card => card.OperationalStatus == OperationalStatus.Up && card.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(card => card.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(candidate => candidate.AddressFamily == AddressFamily.InterNetwork);
        return first is null
            ? new CoordinatorAddress(bind, IPAddress.Loopback.ToString(), "from the loopback (this machine has no other IPv4 address)")
            : new CoordinatorAddress(bind, first.ToString(), "from this machine's first network address (set Interface to choose)");
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static string UriHost(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    // Its IPv4 address, else a routable IPv6 one, else its link-local IPv6 address.
    private static IPAddress AddressOf(InterfaceSetting wanted)
    {
        var (card, addresses) = NetworkInterfaces.Find(wanted.Name, wanted.Option);
        return addresses.FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.Where(address => address.AddressFamily == AddressFamily.InterNetworkV6).OrderBy(address => address.IsIPv6LinkLocal).FirstOrDefault()
            ?? throw new ArgumentException(
                $"{wanted.Option} = \"{wanted.Name}\" has no IP address (it is {card.OperationalStatus.ToString().ToLowerInvariant()}); the interfaces of this machine are {NetworkInterfaces.Listing(NetworkInterface.GetAllNetworkInterfaces())}.",
                nameof(JobQueueOptions.Interface));
    }
}
