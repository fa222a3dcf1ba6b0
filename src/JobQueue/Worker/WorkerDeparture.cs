using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// When and why a worker leaves on its own: its lifetime ran out (a margin before the job's walltime), or the batch
/// system is about to stop the job (SIGTERM from <c>scancel</c>, preemption or the walltime; Grid Engine's SIGUSR2
/// warning under <c>-notify</c>). Leaving means no new tasks, unstarted ones handed back, running ones finished;
/// after a signal, running tasks get the signal grace, then whatever is left goes back too.
/// </summary>
internal sealed class WorkerDeparture : IDisposable
{
    private readonly CancellationTokenSource _leave = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly ITimer? _lifetime;
    private readonly ILogger _logger;
    private readonly TimeSpan _signalGrace;
    private string? _reason;
    private int _graceStarted;

    /// <param name="lifetime">When to leave; null to stay as long as the job runs.</param>
    /// <param name="stagger">The worker leaves up to this much earlier than <paramref name="lifetime"/>, at random, so workers started together do not all leave together.</param>
    /// <param name="signalGrace">How long running tasks may finish after a signal.</param>
    /// <param name="logger">Says once why the worker leaves.</param>
    public WorkerDeparture(TimeSpan? lifetime, TimeSpan stagger, TimeSpan signalGrace, ILogger logger)
    {
        _logger = logger;
        _signalGrace = signalGrace;
        if (lifetime is { } span)
        {
            var leaveAfter = span - (stagger * Random.Shared.NextDouble());
            var due = leaveAfter > TimeSpan.Zero ? leaveAfter : TimeSpan.Zero;
            _lifetime = TimeProvider.System.CreateTimer(
                _ => Leave($"its lifetime of {span.TotalSeconds:0.#} s ({due.TotalSeconds:0.#} s with stagger) ended", signalled: false),
                null, due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Cancelled when the worker should stop taking tasks and leave.</summary>
    public CancellationToken Leaving => _leave.Token;

    /// <summary>Cancelled when running tasks may no longer be waited for.</summary>
    public CancellationToken Abandoned => _abandon.Token;

    public string Reason => _reason ?? "it was not told to leave";

    public TimeSpan SignalGrace => _signalGrace;

    /// <summary>Starts leaving (the first reason is kept); after a signal, running tasks get the signal grace at most.</summary>
    public void Leave(string reason, bool signalled)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            _logger.LogInformation("Leaving: {Reason}", reason);
        }

        // A later signal shortens a lifetime's unbounded wait; a repeated one does not extend the grace.
        if (signalled && Interlocked.Exchange(ref _graceStarted, 1) == 0)
        {
            _abandon.CancelAfter(_signalGrace);
        }

        _leave.Cancel();
    }

    public void Dispose()
    {
        _lifetime?.Dispose();
        _leave.Dispose();
        _abandon.Dispose();
    }
}
