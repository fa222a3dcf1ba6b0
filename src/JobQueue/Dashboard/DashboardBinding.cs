using System.Globalization;
using System.Net;

namespace JobQueue.Dashboard;

/// <summary>Where the dashboard listens, parsed from <see cref="ClusterOptions.DashboardAddress"/>.</summary>
/// <param name="Address">The address to bind; <c>localhost</c> binds 127.0.0.1.</param>
/// <param name="Port">The first port to try; 0 lets the system pick.</param>
internal sealed record DashboardBinding(IPAddress Address, int Port)
{
    public const int DefaultPort = 8787;

    /// <summary>How many ports after a taken one are tried, as dask moves on from a taken 8787.</summary>
    private const int PortsToTry = 100;

    /// <summary>
    /// Whether only this machine can connect. Every user of a login node shares its loopback, so the token is asked
    /// there too; a loopback dashboard moreover answers only requests addressed to a loopback name, so that a web page
    /// whose domain an attacker points at 127.0.0.1 (DNS rebinding) cannot read it from the user's browser.
    /// </summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>The ports to try in order: the one given and the next ones, or just 0.</summary>
    public IEnumerable<int> Ports => Port == 0 ? [0] : Enumerable.Range(Port, Math.Min(PortsToTry, IPEndPoint.MaxPort - Port + 1));

    /// <summary>The host part of the link: the bound address, or this machine's name when bound to every interface.</summary>
    public string LinkHost =>
        Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any) ? Dns.GetHostName()
        : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]"
        : Address.ToString();

    /// <summary>Null when the dashboard is off.</summary>
    /// <exception cref="ArgumentException">The text is not an address with an optional port.</exception>
    public static DashboardBinding? Parse(string? text, string optionsType)
    {
        if (text is null)
        {
            return null;
        }

        var (host, port) = Split(text.Trim());
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null || port is null)
        {
            throw new ArgumentException(
                $"{optionsType}.DashboardAddress = \"{text}\" is not an IP address with an optional port, e.g. \"127.0.0.1:8787\", \"0.0.0.0:8787\" "
                + "(every interface, with a token) or null to turn the dashboard off.",
                nameof(ClusterOptions.DashboardAddress));
        }

        return new DashboardBinding(address, port.Value);
    }

    private static (string Host, int? Port) Split(string text)
    {
        // "[::1]:8787", "127.0.0.1:8787", "127.0.0.1", "::1"
        var close = text.LastIndexOf(']');
        var colon = text.LastIndexOf(':');
        if (colon < 0 || colon < close || (close < 0 && text.IndexOf(':') != colon))
        {
            return (text.Trim('[', ']'), DefaultPort);
        }

        var port = int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= IPEndPoint.MaxPort ? value : (int?)null;
        return (text[..colon].Trim('[', ']'), port);
    }
}
