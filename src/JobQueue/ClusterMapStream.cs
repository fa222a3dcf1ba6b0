using JobQueue.Protocol;
using JobQueue.Scripting;
using JobQueue.Shipping;

namespace JobQueue;

/// <summary><c>MapStream</c>: a map whose input and results need not fit in memory.</summary>
public abstract partial class Cluster
{
    /// <summary>
    /// Runs <paramref name="function"/> on every item and yields the results in the items' order, reading the input
    /// lazily: at most <see cref="MapOptions.MaxInFlight"/> items are between being read and their result being
    /// yielded, so memory stays bounded whatever the input's length. Leaving the loop early cancels the items still
    /// queued or running. With <see cref="MapOptions.Checkpoint"/>, items already stored are not run again and their
    /// stored results are yielded in their place.
    /// </summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, or an option is out of range.</exception>
    /// <remarks>
    /// Enumerating throws <see cref="RemoteTaskException"/> at the first item that threw (its message names the item's
    /// index), or <see cref="WorkerLostException"/> when an item's workers kept dying.
    /// </remarks>
    public IAsyncEnumerable<TResult> MapStream<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream<T, TResult>(function, FunctionShape.OneArgument, items.ToAsyncEnumerable(), options, cancellationToken);

    /// <summary>Runs <paramref name="function"/> on every item of an asynchronous input, as the <see cref="IEnumerable{T}"/> form does.</summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, or an option is out of range.</exception>
    public IAsyncEnumerable<TResult> MapStream<T, TResult>(Func<T, TResult> function, IAsyncEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream<T, TResult>(function, FunctionShape.OneArgument, items, options, cancellationToken);

    /// <summary>Runs an asynchronous <paramref name="function"/> on every item; its token is signalled when the item is cancelled.</summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, or an option is out of range.</exception>
    public IAsyncEnumerable<TResult> MapStream<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream<T, TResult>(function, FunctionShape.AsyncWithCancellation, items.ToAsyncEnumerable(), options, cancellationToken);

    /// <summary>Runs an asynchronous <paramref name="function"/> on every item of an asynchronous input.</summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker, or an option is out of range.</exception>
    public IAsyncEnumerable<TResult> MapStream<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, IAsyncEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Stream<T, TResult>(function, FunctionShape.AsyncWithCancellation, items, options, cancellationToken);

    // Checks and describes at once, so that a bad function or option fails at the call; the map begins when enumerated.
    private IAsyncEnumerable<TResult> Stream<T, TResult>(Delegate function, FunctionShape shape, IAsyncEnumerable<T> items, MapOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        options ??= MapOptions.Default;
        MapSubmission.Validate(options);
        var definition = FunctionReference.Describe(function, shape, Logger);
        var checkpoint = _checkpoints.Open(function, options, null, Logger);
        return Enumerate();

        async IAsyncEnumerable<TResult> Enumerate([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken enumeratorToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken);
            using var interruptible = CellScope.Link(linked.Token);
            var coordinator = Coordinator;
            var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), null, MapSubmission.Policy(options, MapPriority), options.BatchSize, options.MaxResultSizeBytes);
            await foreach (var result in new StreamedMap<T, TResult>(coordinator, map, options, checkpoint).RunAsync(items, interruptible.Token).ConfigureAwait(false))
            {
                yield return result;
            }
        }
    }
}
