namespace JobQueue;

/// <summary>
/// Settings of an <see cref="SshCluster"/>: WorkerHost processes started over SSH on a list of hosts, without a batch
/// system (dask's <c>SSHCluster</c>). The coordinator runs in this process; every host must reach it.
/// </summary>
public sealed record SshClusterOptions : ClusterOptions
{
    /// <summary>The hosts that run workers, e.g. <c>["node1", "node2"]</c>; a host named twice gets twice the workers. Required.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>Worker processes on each entry of <see cref="Hosts"/>. <value>The default is 1.</value></summary>
    public int? WorkersPerHost { get; init; }

    /// <summary>Tasks each worker runs at once. <value>The default is 1.</value></summary>
    public int? ThreadsPerWorker { get; init; }

    /// <summary>Memory each worker may use, e.g. <c>"8GB"</c>; required, as the hosts' memory is not known here.</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>
    /// How to log in to the hosts: user, port, key, known-hosts file and client (SSH.NET or OpenSSH). Its
    /// <see cref="SshOptions.Host"/> stays unset: the hosts come from <see cref="Hosts"/>. The WorkerHost is always copied
    /// to each host by content hash (<c>~/.jobqueue/workerhost/&lt;hash&gt;</c>) and run with <see cref="SshOptions.Dotnet"/>.
    /// <value>The default is SSH.NET as the local user with <c>~/.ssh</c>'s keys and known hosts.</value>
    /// </summary>
    public SshOptions? Ssh { get; init; }

    /// <summary>A worker that cannot reach the coordinator this long exits: how long workers outlive a client that died. <value>The default is 60 seconds.</value></summary>
    public TimeSpan? DeathTimeout { get; init; }

    /// <summary>How long each SSH login, copy and command (other than the workers themselves) may take. <value>The default is 60 seconds.</value></summary>
    public TimeSpan? CommandTimeout { get; init; }

    /// <summary>Scratch directory of the workers on the hosts. <value>The default is the hosts' temporary directory.</value></summary>
    public string? LocalDirectory { get; init; }
}
