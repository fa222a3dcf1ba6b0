using JobQueue.Scaling;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// Adaptive scaling of one cluster, started by <c>JobQueueCluster.Adapt</c>. Disposing it, a
/// later <c>Scale</c> or another Adapt stops it; the cluster keeps the jobs it has.
/// </summary>
public sealed class Adaptive : IAsyncDisposable
{
    private readonly IAdaptiveCluster _cluster;
    private readonly AdaptivePolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private AdaptDecision? _last;
    private long _lastTasksDone = -1;
    private DateTimeOffset _lastSample;
    private int _lastBusyThreads;

    internal Adaptive(IAdaptiveCluster cluster, AdaptivePolicy policy, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _policy = policy;
        _time = time;
        _logger = logger;
        _loop = RunAsync();
    }

    /// <summary>The latest decision, or null before the first.</summary>
    public AdaptDecision? LastDecision => Volatile.Read(ref _last);

    /// <summary>Whether it still adapts.</summary>
    public bool IsRunning => !_loop.IsCompleted;

    /// <summary>Stops adapting; the cluster keeps the jobs it has.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    public override string ToString()
    {
        var limits = _policy.Limits;
        var state = IsRunning ? "adapting" : "stopped";
        return $"{state} between {limits.MinJobs} and {(limits.MaxJobs == int.MaxValue ? "any number of" : limits.MaxJobs.ToString(System.Globalization.CultureInfo.InvariantCulture))} jobs"
            + (LastDecision is { } decision ? $", target {decision.TargetJobs}: {decision.Reason}" : "");
    }

    internal async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(_policy.Limits.Interval, _time);
        try
        {
            do
            {
                Decide();
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private void Decide()
    {
        var now = _time.GetUtcNow();
        var load = _cluster.AdaptiveLoad();
        var snapshot = new AdaptSnapshot(now, load.QueuedTasks, load.RunningTasks, ObservedDuration(now, load), load.PendingJobs, load.RunningJobs, load.BusyJobs, load.StartFailures);
        var decision = _policy.Decide(snapshot);
        var previous = Volatile.Read(ref _last);
        Volatile.Write(ref _last, decision);
        var changed = previous is null || previous.TargetJobs != decision.TargetJobs || previous.Reason != decision.Reason;
        _logger.Log(
            changed ? LogLevel.Information : LogLevel.Debug,
            "Adaptive: {TargetJobs} jobs ({PendingJobs} pending, {RunningJobs} running; {QueuedTasks} queued, {RunningTasks} running tasks): {Reason}",
            decision.TargetJobs, decision.PendingJobs, decision.RunningJobs, decision.QueuedTasks, decision.RunningTasks, decision.Reason);
        _cluster.SetAdaptiveTarget(this, decision.TargetJobs, decision.IdleJobs);
    }

    // Busy threads times elapsed time over tasks finished: the mean duration since the last sample.
    private TimeSpan? ObservedDuration(DateTimeOffset now, AdaptiveLoad load)
    {
        TimeSpan? observed = null;
        var finished = load.TasksDone - _lastTasksDone;
        if (_lastTasksDone >= 0 && finished > 0 && _lastBusyThreads > 0)
        {
            observed = (now - _lastSample) * _lastBusyThreads / finished;
        }

        (_lastTasksDone, _lastSample, _lastBusyThreads) = (load.TasksDone, now, load.BusyThreads);
        return observed;
    }
}

/// <summary>What the adaptive loop reads from its cluster each time.</summary>
internal sealed record AdaptiveLoad(
    int QueuedTasks, int RunningTasks, long TasksDone, int BusyThreads, int PendingJobs,
    IReadOnlyCollection<string> RunningJobs, IReadOnlyCollection<string> BusyJobs, int StartFailures);
