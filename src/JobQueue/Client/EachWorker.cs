using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Serialization;

namespace JobQueue;

/// <summary>
/// How <c>RunOnEachWorker</c> reaches the workers: one task per connected worker, sent to that worker at once
/// (outside the queue, whatever it holds), never run elsewhere; one that its worker does not run fails naming it.
/// </summary>
internal static class EachWorker
{
    /// <summary>Sends the no-argument function <paramref name="definition"/> to every connected worker; the futures follow the names' order.</summary>
    public static (string[] Names, Future<TResult>[] Futures) Start<TResult>(Coordinator coordinator, FunctionDefinition definition)
    {
        var names = coordinator.Workers.Select(worker => worker.Name).ToArray();
        var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), names.Length, MapPolicy.EachWorker, batchSize: 1);

        // A function without an argument ignores the one every task carries.
        var argument = ValueCodec.Encode(0, TypeAllowlist.Client, "item");
        var futures = new Future<TResult>[names.Length];
        var tasks = new (TaskRecord, string)[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            futures[i] = new Future<TResult>();
            var task = new TaskRecord(map, i, argument, futures[i]);
            futures[i].Bind(coordinator, task);
            tasks[i] = (task, names[i]);
        }

        coordinator.SubmitToWorkers(tasks);
        return (names, futures);
    }
}
