using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>
/// Takes the cluster's snapshot every sample interval and keeps what the page draws over time: tasks finished per
/// worker per interval (the task stream) and the adaptive scaler's decisions. The JSON of a sample is made once,
/// when someone first asks for it, and shared by every open page.
/// </summary>
internal sealed class DashboardSampler : IAsyncDisposable
{
    // A minute of task stream at the default interval.
    private const int StreamSamples = 120;
    private const int DecisionsKept = 20;

    private readonly Func<DashboardSnapshot> _sample;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<StreamSample> _stream = new();
    private readonly Queue<AdaptDecision> _decisions = new();
    private readonly Task _loop;
    private Dictionary<string, long> _lastDone = [];
    private bool _sampledBefore;
    private Published _latest;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DashboardSampler(Func<DashboardSnapshot> sample, TimeSpan interval, ILogger logger)
    {
        _sample = sample;
        _interval = interval;
        _logger = logger;
        _latest = Take(0);
        _loop = RunAsync();
    }

    /// <summary>The latest sample: a number that grows with each one, and its JSON.</summary>
    public Published Latest => Volatile.Read(ref _latest);

    /// <summary>Completes when the next sample is published.</summary>
    public Task NextAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    Volatile.Write(ref _latest, Take(_latest.Version + 1));
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The page keeps its last sample and says when that was; each tick tries again, logged once.
                    if (!failing)
                    {
                        _logger.LogWarning("Dashboard: a sample failed, the page shows the last one until sampling works again: {Reason}", exception.Message);
                    }

                    failing = true;
                    continue;
                }

                failing = false;
                Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    // Called by the constructor, then only by the loop: the history needs no lock.
    private Published Take(long version)
    {
        var now = DateTimeOffset.UtcNow;
        var snapshot = _sample();
        var finished = new Dictionary<string, long>();
        var done = new Dictionary<string, long>();
        foreach (var worker in snapshot.Workers)
        {
            // Seen before: what it did since (a restarted one, with fewer done, starts again from zero). New: all it did,
            // except in the first sample, where it is the history before the dashboard.
            var before = _lastDone.TryGetValue(worker.Name, out var last)
                ? (worker.TasksDone < last ? 0 : last)
                : (_sampledBefore ? 0 : worker.TasksDone);
            if (worker.TasksDone > before)
            {
                finished[worker.Name] = worker.TasksDone - before;
            }

            done[worker.Name] = worker.TasksDone;
        }

        (_lastDone, _sampledBefore) = (done, true);

        Keep(_stream, new StreamSample(now, finished), StreamSamples);
        if (snapshot.Decision is { } decision && (_decisions.Count == 0 || _decisions.Last().At != decision.At))
        {
            Keep(_decisions, decision, DecisionsKept);
        }

        var status = new DashboardStatus(
            now, snapshot.Cluster, snapshot.Kind, snapshot.Address,
            [.. snapshot.Workers.Select(worker => new WorkerStatus(
                worker.Name, worker.Host, worker.JobId, worker.Threads, worker.MemoryLimit, worker.MemoryUsed, worker.TasksRunning, worker.TasksDone,
                Math.Round(worker.SinceHeard.TotalSeconds, 1), worker.ConnectedAt, worker.Paused, worker.Resources))],
            Enum.GetValues<JobState>().ToDictionary(state => state, state => snapshot.Jobs.Count(job => job.State == state)),
            snapshot.Jobs, snapshot.Maps, snapshot.Errors, [.. _decisions],
            new TaskStream(_interval.TotalSeconds, StreamSamples, [.. _stream]), snapshot.Unrunnable, snapshot.DependenciesWaiting);
        return new Published(version, new Lazy<byte[]>(() => JsonSerializer.SerializeToUtf8Bytes(status, DashboardJson.Default.DashboardStatus)));
    }

    private static void Keep<T>(Queue<T> queue, T item, int limit)
    {
        queue.Enqueue(item);
        if (queue.Count > limit)
        {
            queue.Dequeue();
        }
    }

    public sealed record Published(long Version, Lazy<byte[]> Json);
}

/// <summary>The JSON of a status, made at build time: no reflection, and no first-use cost on a running cluster.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DashboardStatus))]
internal sealed partial class DashboardJson : JsonSerializerContext;

/// <summary>What <c>/api/status</c> returns and each server-sent event carries.</summary>
internal sealed record DashboardStatus(
    DateTimeOffset At, string Cluster, string Kind, string Address, IReadOnlyList<WorkerStatus> Workers, IReadOnlyDictionary<JobState, int> JobCounts,
    IReadOnlyList<JobInfo> Jobs, IReadOnlyList<MapSample> Maps, IReadOnlyList<FailureSample> Errors, IReadOnlyList<AdaptDecision> Decisions, TaskStream TaskStream,
    IReadOnlyList<string> Unrunnable, int DependenciesWaiting);

internal sealed record WorkerStatus(
    string Name, string Host, string JobId, int Threads, long MemoryLimit, long MemoryUsed, int TasksRunning, long TasksDone, double SecondsSinceHeard, DateTimeOffset ConnectedAt,
    bool Paused, IReadOnlyList<ResourceSample> Resources);

/// <summary>Tasks finished per worker in each interval, oldest first, at most <c>Capacity</c> samples; workers that finished none are left out.</summary>
internal sealed record TaskStream(double IntervalSeconds, int Capacity, IReadOnlyList<StreamSample> Samples);

internal sealed record StreamSample(DateTimeOffset At, IReadOnlyDictionary<string, long> Finished);
