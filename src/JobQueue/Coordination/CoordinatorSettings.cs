namespace JobQueue.Coordination;

/// <summary>Where the coordinator listens, what workers dial, and where the cluster secret lives.</summary>
/// <param name="ListenAddress">Address to bind, e.g. 0.0.0.0 or 127.0.0.1.</param>
/// <param name="Ports">Ports to try in order; 0 lets the system pick.</param>
/// <param name="ContactHost">The host workers dial; null for the bound address, or this machine's address when bound to all interfaces.</param>
/// <param name="ContactPort">The port workers dial; null for the bound port.</param>
/// <param name="SecretPath">Where the cluster secret is written for the workers.</param>
internal sealed record CoordinatorSettings(string ListenAddress, IReadOnlyList<int> Ports, string? ContactHost, int? ContactPort, string SecretPath)
{
    /// <summary>The cluster's seed (<see cref="ClusterOptions.Seed"/>), sent to every worker for the tasks' random streams.</summary>
    public ulong Seed { get; init; }

    /// <summary>The network interface whose address the coordinator takes (<see cref="JobQueueOptions.Interface"/>); null for none.</summary>
    public InterfaceSetting? Interface { get; init; }

    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A worker unheard of for this long is taken for dead and its tasks go elsewhere.</summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(30);
}
