using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue;

/// <summary>Pipelined maps: a <c>Map</c> over another map's results, whose items start as the upstream ones finish.</summary>
public abstract partial class Cluster
{
    /// <summary>
    /// Runs <paramref name="function"/> on each result of <paramref name="upstream"/>: item i is queued as soon as
    /// upstream item i is done, its result passed on as the worker encoded it (never decoded here), so the two maps
    /// overlap instead of the second waiting for the whole first. An upstream item that fails or is cancelled fails
    /// item i with <see cref="DependencyFailedException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, an option is out of range, or <paramref name="upstream"/> is another cluster's.</exception>
    public MapResult<TResult> Map<T, TResult>(Func<T, TResult> function, MapResult<T> upstream, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Pipe<T, TResult>(function, FunctionShape.OneArgument, upstream, options, cancellationToken);

    /// <summary>Runs an asynchronous <paramref name="function"/> on each result of <paramref name="upstream"/>, as the synchronous form does; its token is signalled when the item is cancelled.</summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, an option is out of range, or <paramref name="upstream"/> is another cluster's.</exception>
    public MapResult<TResult> Map<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, MapResult<T> upstream, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Pipe<T, TResult>(function, FunctionShape.AsyncWithCancellation, upstream, options, cancellationToken);

    private MapResult<TResult> Pipe<T, TResult>(Delegate function, FunctionShape shape, MapResult<T> upstream, MapOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        options = CheckDependentOptions(options);
        var definition = FunctionReference.Describe(function, shape, Logger);
        var coordinator = Coordinator;
        DependentTasks.CheckSameCluster(coordinator, [upstream.Items]);
        var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), upstream.Count, MapSubmission.Policy(options, MapPriority), options.BatchSize, options.MaxResultSizeBytes);
        var results = new MapItems<TResult>(map, upstream.Count);
        DependentTasks.Pipe(coordinator, results, upstream.Items);
        CancelOnInterrupt(results, cancellationToken);
        return new MapResult<TResult>(results, map.Statistics);
    }
}
