using System.Runtime.CompilerServices;
using System.Threading.Channels;
using JobQueue.Scripting;

namespace JobQueue;

/// <summary>Collecting futures' results: all at once in their order, or each as it finishes.</summary>
public abstract partial class Cluster
{
    /// <summary>The results of <paramref name="futures"/>, in their order.</summary>
    /// <exception cref="RemoteTaskException">A task threw (with <see cref="GatherErrors.Raise"/>, the first failure in the futures' order).</exception>
    /// <exception cref="AggregateException">With <see cref="GatherErrors.CollectAll"/>: every failure, once all tasks ended.</exception>
    public async Task<TResult[]> Gather<TResult>(IEnumerable<Future<TResult>> futures, GatherErrors errors = GatherErrors.Raise, CancellationToken cancellationToken = default)
    {
        using var interruptible = CellScope.Link(cancellationToken);
        cancellationToken = interruptible.Token;
        if (futures is MapResult<TResult> map)
        {
            return await map.Items.GatherAsync(errors, cancellationToken).ConfigureAwait(false); // without a future per item
        }

        var tasks = futures.Select(future => future.AsTask()).ToArray();
        if (errors == GatherErrors.CollectAll)
        {
            await Task.WhenAll(tasks).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            if (tasks.Any(task => !task.IsCompletedSuccessfully))
            {
                throw new AggregateException("Some tasks failed.", tasks.Where(task => !task.IsCompletedSuccessfully)
                    .Select(task => task.Exception?.InnerException ?? new TaskCanceledException(task)));
            }
        }

        var results = new TResult[tasks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            results[i] = tasks[i].IsCompleted ? await tasks[i].ConfigureAwait(false) : await tasks[i].WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>The futures as they finish, first finished first.</summary>
    public async IAsyncEnumerable<Future<TResult>> AsCompleted<TResult>(IEnumerable<Future<TResult>> futures, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var interruptible = CellScope.Link(cancellationToken);
        cancellationToken = interruptible.Token;
        var finished = Channel.CreateUnbounded<Future<TResult>>();
        var count = 0;
        foreach (var future in futures)
        {
            count++;
            _ = future.AsTask().ContinueWith(_ => finished.Writer.TryWrite(future), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        for (var i = 0; i < count; i++)
        {
            yield return await finished.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
