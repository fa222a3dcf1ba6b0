using System.Net;
using System.Net.NetworkInformation;

namespace JobQueue.Protocol;

/// <summary>
/// A network interface found by the name the option <c>Interface</c> gives it, e.g. <c>ib0</c>: the
/// coordinator binds and advertises its address, and workers dial the coordinator from it.
/// </summary>
internal static class NetworkInterfaces
{
    /// <summary>The interface <paramref name="name"/> of this machine and its addresses.</summary>
    /// <param name="name">The interface, e.g. <c>ib0</c>.</param>
    /// <param name="option">The option that named it, for the message, e.g. <c>SlurmOptions.Interface</c> or <c>--interface</c>.</param>
    /// <exception cref="ArgumentException">This machine has no such interface; the message lists those it has.</exception>
    public static (NetworkInterface Card, IReadOnlyList<IPAddress> Addresses) Find(string name, string option)
    {
        var cards = NetworkInterface.GetAllNetworkInterfaces();
        var card = cards.FirstOrDefault(candidate => candidate.Name == name)
            ?? throw new ArgumentException(
                $"{option} = \"{name}\" is not a network interface of this machine; it has {Listing(cards)}. Set Interface to the one the workers can reach, e.g. Interface = \"{cards.FirstOrDefault(candidate => candidate.NetworkInterfaceType != NetworkInterfaceType.Loopback)?.Name ?? "lo"}\".",
                "Interface");
        return (card, Addresses(card));
    }

    /// <summary>Every interface with its addresses, e.g. <c>lo (127.0.0.1, ::1), eth0 (10.0.2.15)</c>.</summary>
    public static string Listing(IReadOnlyList<NetworkInterface> cards) =>
        cards.Count == 0
            ? "none"
            : string.Join(", ", cards.Select(card => Addresses(card) is { Count: > 0 } addresses ? $"{card.Name} ({string.Join(", ", addresses)})" : $"{card.Name} (no address)"));

    private static IReadOnlyList<IPAddress> Addresses(NetworkInterface card) => card.GetIPProperties().UnicastAddresses.Select(unicast => unicast.Address).ToList();
}
