using JobQueue.JobScripts;
using JobQueue.Protocol;

namespace JobQueue;

/// <summary>Settings of one <c>Map</c> or <c>Submit</c>.</summary>
public sealed record MapOptions
{
    /// <summary>
    /// How many workers may die while running one task before it fails with <see cref="WorkerLostException"/>
    /// (dask's allowed-failures). <value>The default is 3.</value>
    /// </summary>
    public int AllowedFailures { get; init; } = 3;

    /// <summary>
    /// How many times an item whose function threw runs again, on another worker where there is one (dask's
    /// <c>retries</c>), e.g. against a flaky database. When every run threw, its <see cref="RemoteTaskException"/> lists
    /// them all in <see cref="RemoteTaskException.Attempts"/>. Worker deaths count toward <see cref="AllowedFailures"/>
    /// instead. <value>The default is 0: an item that throws fails.</value>
    /// </summary>
    public int Retries { get; init; }

    /// <summary>
    /// The exceptions that <see cref="Retries"/> reruns, by full or simple type name, e.g.
    /// <c>["System.TimeoutException", "IOException"]</c>; an item that throws another fails at once.
    /// <value>The default is null: every exception.</value>
    /// </summary>
    public IReadOnlyList<string>? RetryOn { get; init; }

    /// <summary>
    /// Higher runs first (dask's <c>priority=</c>), applied when tasks are sent to workers: partitions already sent
    /// keep running, but no partition of a lower priority is sent while one of a higher priority waits; equal
    /// priorities run in the order they were submitted. Any whole number, negative too.
    /// <value>The default is 0 for <c>Map</c> and <c>MapPartitions</c> and 1 for <c>Submit</c>, so a single task
    /// submitted during a large map does not wait behind it.</value>
    /// </summary>
    public int? Priority { get; init; }

    /// <summary>
    /// Abstract resources each item holds while it runs (dask's <c>resources=</c>), e.g. <c>{ ["gpu"] = 1 }</c>: it
    /// runs only on a worker that declared them (<see cref="ClusterOptions.WorkerResources"/>), and a worker never runs
    /// more items at once than its resources allow. Items that no connected worker could ever run wait, and are
    /// reported: a warning in the log, <c>cluster.ToString()</c> and the dashboard. <value>The default is none.</value>
    /// </summary>
    public IReadOnlyDictionary<string, double>? Resources { get; init; }

    /// <summary>
    /// Where each result is stored as it arrives, so that running the same map again computes only the items
    /// missing: the path of an SQLite file (e.g. <c>"results.db"</c>), or a PostgreSQL connection string
    /// (<c>"Host=db;Database=work;Username=me;Password=..."</c>) or URL (<c>"postgresql://me@db/work"</c>). A
    /// checkpoint belongs to one function: another function's map on it is refused (see <see cref="CheckpointVersion"/>).
    /// A future of a checkpointed map completes once its result is stored; failed items are not stored, so they run
    /// again. <value>The default is none.</value>
    /// </summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// The key an item's result is stored under, e.g. <c>item => ((Row)item!).Id.ToString()</c>. Equal keys mean
    /// equal items. <value>The default is a hash of the item's value (its encoding for the workers).</value>
    /// </summary>
    public Func<object?, string>? Key { get; init; }

    /// <summary>
    /// Names the version of the function's code in the <see cref="Checkpoint"/>, instead of a hash of the code
    /// itself (its IL and that of the methods it calls): a run whose code changed without changing its results can
    /// then resume a checkpoint made with the same version string. <value>The default is the hash of the code.</value>
    /// </summary>
    public string? CheckpointVersion { get; init; }

    /// <summary>
    /// Items per message (BluePyParallel's <c>batch_size</c>): consecutive items travel and run together on one
    /// worker thread, each keeping its own future, result and error. <c>1</c> sends every item alone.
    /// <value>The default learns the size from the workers' measurements, aiming at partitions of about 1 ms of work.</value>
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// Items gathered before dispatch (BluePyParallel's <c>chunk_size</c>): the map encodes and queues this many
    /// items, and the next chunk once those have finished, so a huge map never holds all its encoded items at once.
    /// An item of a later chunk that cannot be encoded fails its own future. <value>The default sends every item at once.</value>
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// For <c>MapStream</c>: at most this many items are between reading the input and yielding their result
    /// (queued, running, or done and waiting for an earlier item), which bounds the stream's memory whatever the
    /// input's length. <value>The default is enough to keep every worker thread busy with full partitions: eight
    /// partitions of the learned size per connected worker thread, recomputed as workers come and go.</value>
    /// </summary>
    public int? MaxInFlight { get; init; }

    /// <summary>
    /// The largest result an item may return, as its encoding measures it, e.g. <c>"10MB"</c> or <c>"1GiB"</c> (the
    /// units <c>Memory</c> takes). An item whose result is larger fails at once with an error that names this limit;
    /// the worker and the other items carry on. <value>The default is "2GB", about the largest value one array holds.</value>
    /// </summary>
    /// <exception cref="ArgumentException">The text is not a memory size.</exception>
    public string MaxResultSize
    {
        get;
        init
        {
            MaxResultSizeBytes = MemorySize.Parse(value, $"{nameof(MapOptions)}.{nameof(MaxResultSize)}").Bytes;
            field = value;
        }
    } = "2GB";

    /// <summary><see cref="MaxResultSize"/> in bytes.</summary>
    internal long MaxResultSizeBytes { get; private init; } = ChannelLimits.DefaultMaxResultSize;

    /// <summary>The options of a call that gives none: one instance, as options never change once made.</summary>
    internal static MapOptions Default { get; } = new();
}
