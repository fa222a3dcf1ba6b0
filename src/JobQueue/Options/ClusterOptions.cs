using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>Settings every cluster has, whatever starts its workers.</summary>
public abstract record ClusterOptions
{
    /// <summary>
    /// Prefix of worker names (<c>&lt;Name&gt;-&lt;job index&gt;</c>). On a batch system it may contain environment
    /// variables such as <c>$HOSTNAME</c>, which the compute node's shell expands.
    /// <value>The default is <c>jobqueue-worker</c>.</value>
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Address the coordinator listens on. <value>The default is the address of <see cref="JobQueueOptions.Interface"/> when
    /// set, else every interface for a batch system, 127.0.0.1 for a <see cref="LocalCluster"/>.</value>
    /// </summary>
    public string? ListenAddress { get; init; }

    /// <summary>Port the coordinator listens on, or a range to try in order, e.g. <c>"40123"</c> or <c>"40000-40100"</c>. <value>The default is any free port.</value></summary>
    public string? Port { get; init; }

    /// <summary>
    /// Address the workers dial when it differs from where the coordinator listens, e.g. behind a forward:
    /// <c>"login1"</c> or <c>"login1:40123"</c>. <value>The default is the listen address, or the address of <see cref="JobQueueOptions.Interface"/>, or this machine's first network address.</value>
    /// </summary>
    public string? ContactAddress { get; init; }

    /// <summary>
    /// Abstract resources each worker has (dask's <c>--resources</c>), e.g. <c>{ ["gpu"] = 1 }</c>, rendered on the worker's
    /// command line as <c>--resources gpu=1</c>. Items ask for them with <see cref="MapOptions.Resources"/> and hold
    /// them while they run; a worker never runs more than it has. Names are letters, digits, '_', '-' and '.';
    /// amounts are numbers above 0. <value>The default is none.</value>
    /// </summary>
    public IReadOnlyDictionary<string, double>? WorkerResources { get; init; }

    /// <summary>
    /// The seed of the tasks' random streams (<see cref="TaskContext.Random"/>): with the same seed, every item gets
    /// the same numbers whatever the number of workers or the order they run in. <value>The default is a random seed
    /// per cluster, logged and available as <see cref="Cluster.Seed"/> so that a run can be repeated.</value>
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>
    /// Where the dashboard (a live web page of jobs, workers and tasks) listens, e.g. <c>"127.0.0.1:8787"</c>; when the
    /// port is taken the next free one is used, and port 0 takes any. Every request needs a token derived from the
    /// cluster secret, which <see cref="Cluster.DashboardLink"/> includes; bound to the loopback, the dashboard also
    /// answers only requests for localhost, 127.0.0.1 or [::1]. Null turns the dashboard off.
    /// <value>The default is <c>127.0.0.1:8787</c>.</value>
    /// </summary>
    public string? DashboardAddress { get; init; } = "127.0.0.1:8787";

    /// <summary>
    /// The fraction of a worker's memory limit (<see cref="JobQueueOptions.Memory"/> divided by
    /// <see cref="JobQueueOptions.Processes"/>, or <see cref="LocalOptions.MemoryLimit"/>) above which the worker takes
    /// no new tasks until it is back under (dask's <c>distributed.worker.memory.pause</c>); <c>WorkerInfo.Paused</c>,
    /// the dashboard and the log show it. Null turns pausing off. <value>The default is 0.80.</value>
    /// </summary>
    public double? MemoryPauseFraction { get; init; } = 0.80;

    /// <summary>
    /// The fraction of a worker's memory limit above which it leaves and its nanny restarts it (dask's
    /// <c>distributed.worker.memory.terminate</c>): the task it was running counts a failure and, after
    /// <see cref="MapOptions.AllowedFailures"/>, fails with a <see cref="WorkerLostException"/> that says so. Null turns
    /// it off (the batch system's own memory limit may still kill the job). <value>The default is 0.95.</value>
    /// </summary>
    public double? MemoryTerminateFraction { get; init; } = 0.95;

    /// <summary>Where the cluster logs. <value>The default writes warnings and errors to standard error.</value></summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
