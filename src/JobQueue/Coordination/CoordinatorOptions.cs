using System.Globalization;
using System.Net;

namespace JobQueue.Coordination;

/// <summary>Turns the coordinator settings of <see cref="ClusterOptions"/> into <see cref="CoordinatorSettings"/>, with clear errors.</summary>
internal static class CoordinatorOptions
{
    public static CoordinatorSettings Resolve(ClusterOptions options, string optionsType, string defaultListenAddress, string secretPath)
    {
        var listen = options.ListenAddress ?? defaultListenAddress;
        if (!IPAddress.TryParse(listen, out _))
        {
            throw new ArgumentException($"{optionsType}.ListenAddress = \"{listen}\" is not an IP address, e.g. \"0.0.0.0\" for every interface or \"127.0.0.1\".", nameof(options.ListenAddress));
        }

        string? contactHost = null;
        int? contactPort = null;
        if (options.ContactAddress is { } contact)
        {
            var text = contact.StartsWith("tcp://", StringComparison.Ordinal) ? contact : $"tcp://{contact}";
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath != "/")
            {
                throw new ArgumentException($"{optionsType}.ContactAddress = \"{contact}\" is not a host or host:port, e.g. \"login1\" or \"login1:40123\".", nameof(options.ContactAddress));
            }

            contactHost = uri.Host;
            contactPort = uri.IsDefaultPort ? null : uri.Port;
        }

        // The interface is looked up when the coordinator starts: a job script must still render on a laptop.
        var networkInterface = (options as JobQueueOptions)?.Interface is { } name ? new InterfaceSetting(name, $"{optionsType}.Interface", Binds: options.ListenAddress is null) : null;
        return new CoordinatorSettings(listen, Ports(options.Port, optionsType), contactHost, contactPort, secretPath) { Interface = networkInterface };
    }

    private static int[] Ports(string? port, string optionsType)
    {
        if (port is null)
        {
            return [0];
        }

        var bounds = port.Split('-');
        if (bounds.Length is 1 or 2
            && bounds.All(bound => int.TryParse(bound, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 65535)
            && int.Parse(bounds[0], CultureInfo.InvariantCulture) <= int.Parse(bounds[^1], CultureInfo.InvariantCulture))
        {
            var first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            return Enumerable.Range(first, int.Parse(bounds[^1], CultureInfo.InvariantCulture) - first + 1).ToArray();
        }

        throw new ArgumentException($"{optionsType}.Port = \"{port}\" is not a port or a range, e.g. \"40123\" or \"40000-40100\".", nameof(ClusterOptions.Port));
    }
}
