using System.Runtime.CompilerServices;
using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue;

/// <summary>
/// <c>Submit</c> with futures as arguments: a task graph (dask's futures passed to <c>submit</c>, or its <c>delayed</c>).
/// The task is queued once every future it takes is done, and their results reach it as the workers encoded them,
/// never decoded here; it runs where one of them was produced when that worker has a free thread. An input that
/// fails or is cancelled fails it with <see cref="DependencyFailedException"/>. Each argument of the forms with
/// <see cref="Arg{T}"/> is a value or a future.
/// </summary>
public abstract partial class Cluster
{
    /// <summary>Runs <paramref name="function"/> on the result of <paramref name="argument"/> once that is done.</summary>
    /// <remarks>
    /// Preferred over the form taking a value when both fit: a lambda whose body compiles for the future as for its
    /// result (<c>x => x.ToString()</c>) means the result, and is not ambiguous.
    /// </remarks>
    [OverloadResolutionPriority(1)]
    public Future<TResult> Submit<T, TResult>(Func<T, TResult> function, Future<T> argument, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.OneArgument, [TaskInput.Of(argument, 0)], options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on <paramref name="argument"/>; its token is signalled when the task is cancelled.</summary>
    public Future<TResult> Submit<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, T argument, MapOptions? options = null) =>
        Send<T, TResult>(function, FunctionShape.AsyncWithCancellation, [argument], options, SubmitPriority, CancellationToken.None, keepEncoded: true)[0];

    /// <summary>Runs an asynchronous <paramref name="function"/> on the result of <paramref name="argument"/> once that is done.</summary>
    [OverloadResolutionPriority(1)]
    public Future<TResult> Submit<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, Future<T> argument, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.AsyncWithCancellation, [TaskInput.Of(argument, 0)], options);

    /// <summary>Runs <paramref name="function"/> on the results of two futures once both are done.</summary>
    public Future<TResult> Submit<T1, T2, TResult>(Func<T1, T2, TResult> function, Future<T1> argument1, Future<T2> argument2, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, options);

    /// <summary>Runs <paramref name="function"/> on two arguments, each a value or a future (its result, once done).</summary>
    public Future<TResult> Submit<T1, T2, TResult>(Func<T1, T2, TResult> function, Arg<T1> argument1, Arg<T2> argument2, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.SeveralArguments, [argument1.ToInput(0), argument2.ToInput(1)], options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on the results of two futures once both are done.</summary>
    public Future<TResult> Submit<T1, T2, TResult>(Func<T1, T2, CancellationToken, Task<TResult>> function, Future<T1> argument1, Future<T2> argument2, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on two arguments, each a value or a future.</summary>
    public Future<TResult> Submit<T1, T2, TResult>(Func<T1, T2, CancellationToken, Task<TResult>> function, Arg<T1> argument1, Arg<T2> argument2, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.AsyncSeveralArguments, [argument1.ToInput(0), argument2.ToInput(1)], options);

    /// <summary>Runs <paramref name="function"/> on the results of three futures once all are done.</summary>
    public Future<TResult> Submit<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, Future<T1> argument1, Future<T2> argument2, Future<T3> argument3, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, argument3, options);

    /// <summary>Runs <paramref name="function"/> on three arguments, each a value or a future.</summary>
    public Future<TResult> Submit<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> function, Arg<T1> argument1, Arg<T2> argument2, Arg<T3> argument3, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.SeveralArguments, [argument1.ToInput(0), argument2.ToInput(1), argument3.ToInput(2)], options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on the results of three futures once all are done.</summary>
    public Future<TResult> Submit<T1, T2, T3, TResult>(
        Func<T1, T2, T3, CancellationToken, Task<TResult>> function, Future<T1> argument1, Future<T2> argument2, Future<T3> argument3, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, argument3, options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on three arguments, each a value or a future.</summary>
    public Future<TResult> Submit<T1, T2, T3, TResult>(
        Func<T1, T2, T3, CancellationToken, Task<TResult>> function, Arg<T1> argument1, Arg<T2> argument2, Arg<T3> argument3, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.AsyncSeveralArguments, [argument1.ToInput(0), argument2.ToInput(1), argument3.ToInput(2)], options);

    /// <summary>Runs <paramref name="function"/> on the results of four futures once all are done.</summary>
    public Future<TResult> Submit<T1, T2, T3, T4, TResult>(
        Func<T1, T2, T3, T4, TResult> function, Future<T1> argument1, Future<T2> argument2, Future<T3> argument3, Future<T4> argument4, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, argument3, argument4, options);

    /// <summary>Runs <paramref name="function"/> on four arguments, each a value or a future.</summary>
    public Future<TResult> Submit<T1, T2, T3, T4, TResult>(
        Func<T1, T2, T3, T4, TResult> function, Arg<T1> argument1, Arg<T2> argument2, Arg<T3> argument3, Arg<T4> argument4, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.SeveralArguments, [argument1.ToInput(0), argument2.ToInput(1), argument3.ToInput(2), argument4.ToInput(3)], options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on the results of four futures once all are done.</summary>
    public Future<TResult> Submit<T1, T2, T3, T4, TResult>(
        Func<T1, T2, T3, T4, CancellationToken, Task<TResult>> function, Future<T1> argument1, Future<T2> argument2, Future<T3> argument3, Future<T4> argument4, MapOptions? options = null) =>
        Submit(function, (Arg<T1>)argument1, argument2, argument3, argument4, options);

    /// <summary>Runs an asynchronous <paramref name="function"/> on four arguments, each a value or a future.</summary>
    public Future<TResult> Submit<T1, T2, T3, T4, TResult>(
        Func<T1, T2, T3, T4, CancellationToken, Task<TResult>> function, Arg<T1> argument1, Arg<T2> argument2, Arg<T3> argument3, Arg<T4> argument4, MapOptions? options = null) =>
        SubmitAfter<TResult>(function, FunctionShape.AsyncSeveralArguments, [argument1.ToInput(0), argument2.ToInput(1), argument3.ToInput(2), argument4.ToInput(3)], options);

    /// <summary>Checks options that a task taking other tasks' results cannot use.</summary>
    private static MapOptions CheckDependentOptions(MapOptions? options)
    {
        options ??= MapOptions.Default;
        MapSubmission.Validate(options);
        if (options.Checkpoint is not null)
        {
            throw new ArgumentException(
                "MapOptions.Checkpoint keys each result by its argument, which a task taking futures or a pipelined Map's items has only once they are done: leave Checkpoint null here, or set it on the tasks that produce the inputs.",
                nameof(options));
        }

        return options;
    }

    private Future<TResult> SubmitAfter<TResult>(Delegate function, FunctionShape shape, TaskInput[] inputs, MapOptions? options)
    {
        options = CheckDependentOptions(options);
        var definition = FunctionReference.Describe(function, shape, Logger);
        var coordinator = Coordinator;
        DependentTasks.CheckSameCluster(coordinator, inputs.Select(input => input.Items));
        var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), 1, MapSubmission.Policy(options, SubmitPriority), options.BatchSize, options.MaxResultSizeBytes);
        var results = new MapItems<TResult>(map, 1, keepEncoded: true);
        DependentTasks.Submit(coordinator, results, inputs);
        CancelOnInterrupt(results, CancellationToken.None);
        return results.FutureAt(0);
    }
}
