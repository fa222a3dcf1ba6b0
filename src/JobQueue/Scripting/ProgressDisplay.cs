using JobQueue.Scripting;
using Spectre.Console;

namespace JobQueue;

/// <summary>Shows how far a set of tasks has come, in a terminal or wherever the output goes.</summary>
public static class ProgressDisplay
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Follows <paramref name="futures"/> until all have ended: a live bar when the console is a terminal and no
    /// <paramref name="output"/> is given; otherwise a plain line (e.g. <c>312 of 1,000 tasks done, 2 failed (31 %)</c>)
    /// every <paramref name="interval"/> and when all have ended, which suits log files. In the JobQueue notebook
    /// kernel, a live bar in the cell's output.
    /// </summary>
    public static async Task ShowAsync(IEnumerable<Future> futures, TextWriter? output = null, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var tasks = futures.ToArray();
        if (output is null && CellScope.Current?.ShowProgress is { } show)
        {
            // A notebook kernel draws its own live bar in the cell's output.
            await show(tasks, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (output is null && !Console.IsOutputRedirected)
        {
            await ShowBarAsync(AnsiConsole.Console, tasks, cancellationToken).ConfigureAwait(false);
            return;
        }

        output ??= Console.Out;
        await FollowAsync(tasks, interval ?? DefaultInterval, (done, failed) => output.WriteLine(Describe(done, failed, tasks.Length)), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The live bar, on <paramref name="console"/>: the terminal, or a console a test reads.</summary>
    internal static Task ShowBarAsync(IAnsiConsole console, Future[] futures, CancellationToken cancellationToken) =>
        console.Progress().StartAsync(async context =>
        {
            var bar = context.AddTask($"{futures.Length:N0} tasks", maxValue: futures.Length);
            await FollowAsync(futures, TimeSpan.FromMilliseconds(100), (done, _) => bar.Value = done, cancellationToken).ConfigureAwait(false);
        });

    internal static string Describe(int done, int failed, int total) =>
        $"{done:N0} of {total:N0} tasks done{(failed > 0 ? $", {failed:N0} failed" : "")} ({(total == 0 ? 100 : done * 100 / total)} %)";

    // Reports at every tick and once more when every task has ended.
    private static async Task FollowAsync(Future[] futures, TimeSpan interval, Action<int, int> report, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(futures.Select(future => future.Completion)).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        using var timer = new PeriodicTimer(interval);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, timer.WaitForNextTickAsync(cancellationToken).AsTask()).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (!all.IsCompleted)
            {
                Report(futures, report);
            }
        }

        Report(futures, report);
    }

    private static void Report(Future[] futures, Action<int, int> report) =>
        report(futures.Count(future => future.Status != FutureStatus.Pending), futures.Count(future => future.Status is FutureStatus.Error or FutureStatus.Cancelled));
}
