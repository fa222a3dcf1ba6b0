using System.Net;
using System.Net.Sockets;
using JobQueue.Protocol;

namespace JobQueue.Worker;

/// <summary>
/// The worker's side of the option <c>Interface</c> (<c>--interface</c>): its connections to the coordinator
/// leave from that interface's address, so that they take the network the interface is on (InfiniBand rather than
/// the management Ethernet, say), whatever the routing table would choose.
/// </summary>
internal sealed class OutgoingInterface
{
    private readonly string _name;
    private readonly IReadOnlyList<IPAddress> _addresses;

    private OutgoingInterface(string name, IReadOnlyList<IPAddress> addresses)
    {
        _name = name;
        _addresses = addresses;
    }

    /// <summary>The interface <paramref name="name"/> of this node, looked up once when the worker starts.</summary>
    /// <exception cref="ArgumentException">The node has no such interface, or it has no address; the message lists the interfaces there are.</exception>
    public static OutgoingInterface Find(string name)
    {
        var (_, addresses) = NetworkInterfaces.Find(name, "--interface");
        return addresses.Count > 0
            ? new OutgoingInterface(name, addresses)
            : throw new ArgumentException($"--interface = \"{name}\" has no IP address on this node to dial the coordinator from.", "Interface");
    }

    /// <summary>For tests: the addresses given, as if an interface had them.</summary>
    internal static OutgoingInterface WithAddresses(string name, params IPAddress[] addresses) => new(name, addresses);

    /// <summary>
    /// A TCP connection to <paramref name="coordinator"/> whose socket is bound to this interface's address of the
    /// coordinator's address family (its IPv4 one for an IPv4 coordinator), as <see cref="SocketsHttpHandler.ConnectCallback"/> wants it.
    /// </summary>
    /// <exception cref="SocketException">The connection failed, or the interface has no address of the coordinator's family.</exception>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint coordinator, CancellationToken cancellationToken)
    {
        var remotes = IPAddress.TryParse(coordinator.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(coordinator.Host, cancellationToken).ConfigureAwait(false);
        SocketException? failure = null;
        foreach (var remote in remotes)
        {
            if (_addresses.Where(address => address.AddressFamily == remote.AddressFamily).OrderBy(address => address.IsIPv6LinkLocal).FirstOrDefault() is not { } local)
            {
                continue;
            }

            var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(new IPEndPoint(remote, coordinator.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                failure = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw failure ?? new SocketException(
            (int)SocketError.AddressFamilyNotSupported,
            $"Interface {_name} ({string.Join(", ", _addresses)}) has no address of the family of the coordinator {coordinator.Host} ({string.Join(", ", remotes.Select(remote => remote.ToString()))}).");
    }
}
