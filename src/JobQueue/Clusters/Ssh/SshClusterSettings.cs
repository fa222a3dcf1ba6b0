using System.Net;
using JobQueue.JobScripts;
using JobQueue.Submission;

namespace JobQueue;

/// <summary><see cref="SshClusterOptions"/> checked and with their defaults, as an <see cref="SshCluster"/> uses them.</summary>
internal sealed record SshClusterSettings(
    IReadOnlyList<string> Hosts, int WorkersPerHost, int ThreadsPerWorker, MemorySize MemoryLimit, SshOptions Ssh, TimeSpan DeathTimeout,
    TimeSpan CommandTimeout, string? LocalDirectory)
{
    private const string OptionsType = nameof(SshClusterOptions);
    private static readonly TimeSpan DefaultDeathTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How many workers the hosts hold: <see cref="Hosts"/> × <see cref="WorkersPerHost"/>.</summary>
    public int Capacity => Hosts.Count * WorkersPerHost;

    /// <summary>Every host is this machine's loopback: the coordinator then listens on and advertises 127.0.0.1.</summary>
    public bool AllLoopback => Hosts.All(host => host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)));

    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public static SshClusterSettings Resolve(SshClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Hosts is not { Count: > 0 } hosts)
        {
            throw new ArgumentException($"{OptionsType}.Hosts is required: the hosts that run workers, e.g. Hosts = [\"node1\", \"node2\"].", nameof(options.Hosts));
        }

        for (var i = 0; i < hosts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(hosts[i]) || hosts[i].Any(char.IsWhiteSpace) || hosts[i].StartsWith('-') || hosts[i].Contains('@'))
            {
                throw new ArgumentException(
                    $"{OptionsType}.Hosts[{i}] = \"{hosts[i]}\" must be a host name or address, e.g. \"node1\" (the user goes in Ssh.User, the port in Ssh.Port).", nameof(options.Hosts));
            }
        }

        var ssh = options.Ssh ?? new SshOptions();
        if (ssh.Host is not null)
        {
            throw new ArgumentException(
                $"{OptionsType}.Ssh.Host = \"{ssh.Host}\" must stay unset: the hosts come from {OptionsType}.Hosts, e.g. Hosts = [\"{ssh.Host}\"].", "Host");
        }

        // The login settings are the same for every host: checked once, with the first host in place.
        (ssh with { Host = hosts[0] }).Validate(OptionsType);
        var memory = options.MemoryLimit is { } limit
            ? MemorySize.Parse(limit, $"{OptionsType}.{nameof(options.MemoryLimit)}")
            : throw new ArgumentException($"{OptionsType}.MemoryLimit is required: the memory each worker may use, e.g. MemoryLimit = \"8GB\".", nameof(options.MemoryLimit));
        var deathTimeout = options.DeathTimeout ?? DefaultDeathTimeout;
        if (deathTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{OptionsType}.DeathTimeout = {deathTimeout} must be positive, e.g. DeathTimeout = TimeSpan.FromSeconds(60).", nameof(options.DeathTimeout));
        }

        return new SshClusterSettings(
            [.. hosts],
            OptionChecks.Positive(options.WorkersPerHost, OptionsType, nameof(options.WorkersPerHost), "WorkersPerHost = 2") ?? 1,
            OptionChecks.Positive(options.ThreadsPerWorker, OptionsType, nameof(options.ThreadsPerWorker), "ThreadsPerWorker = 4") ?? 1,
            memory,
            ssh,
            deathTimeout,
            TimedCommandRunner.Resolve(options.CommandTimeout, OptionsType),
            options.LocalDirectory);
    }
}
