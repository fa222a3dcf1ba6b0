using System.Buffers;
using System.Diagnostics;
using Grpc.Core;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;
using JobQueue.Coordination;
using JobQueue.Coordination.Protocol;
using JobQueue.Execution.Serialization;
using JobQueue.Execution.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue.Execution;

/// <summary>Why a worker process ended; its exit code.</summary>
internal enum WorkerExit
{
    /// <summary>Told to shut down or drained, or its LocalCluster client is gone.</summary>
    Done = 0,

    /// <summary>Its command line or secret file is unusable.</summary>
    BadSetup = 2,

    /// <summary>The peer at the coordinator address could not prove it knows the cluster secret.</summary>
    UntrustedCoordinator = 3,

    /// <summary>No coordinator answered within the death timeout.</summary>
    CoordinatorGone = 4,
}

/// <summary>
/// One worker: connects to the coordinator (again and again until the death timeout), proves it knows the secret,
/// registers, then runs the tasks it receives on <see cref="WorkerCommandLine.Threads"/> loops and sends results back
/// in batches, asking for as many tasks as keep it busy for a couple of milliseconds.
/// </summary>
internal sealed class WorkerRuntime(WorkerCommandLine commandLine, ILogger logger, WorkerDeparture departure)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxConnectTime = TimeSpan.FromSeconds(10);

    /// <summary>A coordinator unheard of for this long (it sends a heartbeat every second) is taken for frozen or gone.</summary>
    private static readonly TimeSpan CoordinatorSilenceLimit = TimeSpan.FromSeconds(10);

    public async Task<WorkerExit> RunAsync(CancellationToken stopping)
    {
        ClusterKeys keys;
        try
        {
            keys = ClusterSecret.Read(commandLine.SecretFile);
        }
        catch (InvalidOperationException exception)
        {
            logger.LogError("{Reason}", exception.Message);
            return WorkerExit.BadSetup;
        }

        FileCache files;
        try
        {
            files = FileCache.ForNode(commandLine.LocalDirectory, logger);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Cannot keep shipped code in the local directory ({Reason}); give the worker a writable --local-directory", exception.Message);
            return WorkerExit.BadSetup;
        }

        using var ownedFiles = files;
        var address = new Uri(commandLine.Scheduler);
        var lastContact = Stopwatch.StartNew();
        using var parentGone = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var parentWatch = WatchParentAsync(parentGone);
        try
        {
            while (!parentGone.IsCancellationRequested && !departure.Leaving.IsCancellationRequested)
            {
                var remaining = commandLine.DeathTimeout - lastContact.Elapsed;
                try
                {
                    await using var connection = await CoordinatorConnection.OpenAsync(address, keys, Clamp(remaining), parentGone.Token).ConfigureAwait(false);
                    lastContact.Restart();
                    logger.LogInformation("Connected to {Address} as {Name}", commandLine.Scheduler, commandLine.Name);
                    var session = new Session(commandLine, connection, files, logger, departure, lastContact);
                    var ended = await session.RunAsync(parentGone.Token).ConfigureAwait(false);
                    if (ended is not null)
                    {
                        return ended.Value;
                    }

                    logger.LogWarning("Lost the coordinator at {Address}; reconnecting for up to {Seconds:0} s", commandLine.Scheduler, (commandLine.DeathTimeout - lastContact.Elapsed).TotalSeconds);
                }
                catch (WireProtocolException exception)
                {
                    logger.LogError("Refusing the coordinator at {Address}: {Reason}", commandLine.Scheduler, exception.Message);
                    return WorkerExit.UntrustedCoordinator;
                }
                catch (Exception exception) when (exception is RpcException or IOException or HttpRequestException && !parentGone.IsCancellationRequested)
                {
                    logger.LogDebug("No coordinator at {Address}: {Reason}", commandLine.Scheduler, exception.Message);
                }

                if (lastContact.Elapsed >= commandLine.DeathTimeout)
                {
                    logger.LogError("No coordinator at {Address} for {Seconds} s (death timeout); exiting", commandLine.Scheduler, commandLine.DeathTimeout.TotalSeconds);
                    return WorkerExit.CoordinatorGone;
                }

                await Task.Delay(ReconnectDelay, parentGone.Token).ConfigureAwait(false);
            }

            return WorkerExit.Done;
        }
        catch (Exception exception) when (parentGone.IsCancellationRequested && exception is OperationCanceledException or RpcException or IOException or HttpRequestException)
        {
            // Its client is gone, or it is stopping: a call cut short on the way is no failure.
            return WorkerExit.Done;
        }
        finally
        {
            await parentGone.CancelAsync().ConfigureAwait(false);
            await parentWatch.ConfigureAwait(false);
        }
    }

    // A connection attempt may take what is left of the death timeout, and no less than a moment.
    private static TimeSpan Clamp(TimeSpan remaining) => remaining < ReconnectDelay ? ReconnectDelay : remaining > MaxConnectTime ? MaxConnectTime : remaining;

    /// <summary>A LocalCluster's worker follows its client: when that process is gone, so is the worker.</summary>
    private async Task WatchParentAsync(CancellationTokenSource parentGone)
    {
        if (commandLine.ParentProcessId is not { } parent)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(parentGone.Token).ConfigureAwait(false))
            {
                if (!ProcessState.IsRunning(parent))
                {
                    logger.LogInformation("Client process {Pid} is gone; exiting", parent);
                    await parentGone.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One connection's worth of work. Returns how the worker ends, or null to reconnect.</summary>
    private sealed class Session(WorkerCommandLine commandLine, CoordinatorConnection connection, FileCache files, ILogger logger, WorkerDeparture departure, Stopwatch lastContact) : ITaskCancellation
    {
        private const int ResultsPerBatch = 512;
        private const int ResultBytesPerBatch = 16 << 20;
        private static readonly long BufferedWorkTicks = Stopwatch.Frequency / 500; // keep about 2 ms of work queued

        // Results of tasks shorter than this wait for company (or an empty queue): a frame per result would cost more
        // than the task. Longer tasks send their result at once.
        private static readonly long BatchableTicks = Stopwatch.Frequency / 10_000;

        private readonly Channel<TaskSpec> _tasks = Channel.CreateUnbounded<TaskSpec>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly Dictionary<uint, Task<LoadedFunction>> _functions = [];
        private readonly Dictionary<ByteString, PendingFile> _fetching = [];
        private readonly Dictionary<ulong, CancellationTokenSource> _running = [];
        private readonly HashSet<ulong> _cancelled = [];
        private readonly object _gate = new();
        private readonly SemaphoreSlim _flush = new(0);
        private readonly TaskCompletionSource _lastFlush = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private List<TaskResult> _results = [];
        private long _resultBytes;
        private ulong _seed;
        private CancellationToken _ended;
        private List<FromWorker> _outbox = [];
        private long _received;
        private long _finished;
        private long _creditGranted;
        private double _averageTicks;
        private volatile bool _draining;
        private bool _closing;

        // _cancelled.Count, readable without the lock: items check it before taking the lock.
        private volatile int _cancelledCount;

        public async Task<WorkerExit?> RunAsync(CancellationToken stopping)
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _ended = ended.Token;
            Post(new FromWorker
            {
                Register = new Register
                {
                    Name = commandLine.Name,
                    Host = Environment.MachineName,
                    JobId = commandLine.JobId ?? "",
                    Threads = (uint)commandLine.Threads,
                    MemoryLimit = (ulong)commandLine.MemoryLimit.Bytes,
                    ProcessId = Environment.ProcessId,
                },
            });
            var writer = WriteLoopAsync(ended.Token);
            var executors = Enumerable.Range(0, commandLine.Threads).Select(_ => ExecuteLoopAsync(ended.Token)).ToArray();
            Task? heartbeat = null;
            var leave = LeaveWhenToldAsync(executors, ended);
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(ended.Token);
            var silenceLimit = commandLine.DeathTimeout < CoordinatorSilenceLimit ? commandLine.DeathTimeout : CoordinatorSilenceLimit;
            try
            {
                while (true)
                {
                    silence.CancelAfter(silenceLimit);
                    if (!await connection.Input.MoveNext(silence.Token).ConfigureAwait(false))
                    {
                        return null;
                    }

                    lastContact.Restart();
                    var message = connection.Input.Current;
                    switch (message.MessageCase)
                    {
                        case ToWorker.MessageOneofCase.Welcome:
                            _seed = message.Welcome.Seed;
                            heartbeat ??= HeartbeatLoopAsync(TimeSpan.FromMilliseconds(message.Welcome.HeartbeatIntervalMs), ended.Token);
                            _flush.Release(); // grants the first credit
                            break;
                        case ToWorker.MessageOneofCase.Function:
                            var definition = message.Function;
                            lock (_gate)
                            {
                                _functions[definition.Id] = Task.Run(() => LoadAsync(definition), ended.Token);
                            }

                            break;
                        case ToWorker.MessageOneofCase.File:
                            Receive(message.File);
                            break;
                        case ToWorker.MessageOneofCase.Tasks:
                            Interlocked.Add(ref _received, message.Tasks.Tasks.Count);
                            foreach (var task in message.Tasks.Tasks)
                            {
                                if (!_tasks.Writer.TryWrite(task))
                                {
                                    // Sent before the coordinator heard that this worker is leaving.
                                    AddResult(new TaskResult { Id = task.Id }, flushNow: true); // no values: every item handed back
                                }
                            }

                            break;
                        case ToWorker.MessageOneofCase.Cancel:
                            Cancel(message.Cancel.Ids);
                            break;
                        case ToWorker.MessageOneofCase.Drain:
                            await DrainAsync(executors, ended.Token).ConfigureAwait(false);
                            return WorkerExit.Done;
                        case ToWorker.MessageOneofCase.Shutdown:
                            logger.LogInformation("Shutting down: {Reason}", message.Shutdown.Reason);
                            return WorkerExit.Done;
                    }
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException && departure.Leaving.IsCancellationRequested)
            {
                // Left on its own (or lost the coordinator while leaving, which then requeues what this worker held).
                return WorkerExit.Done;
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException && !stopping.IsCancellationRequested)
            {
                if (silence.IsCancellationRequested && !ended.IsCancellationRequested)
                {
                    logger.LogWarning("The coordinator has been silent for {Seconds:0} s; taking it for frozen or gone", silenceLimit.TotalSeconds);
                }

                return null;
            }
            finally
            {
                _tasks.Writer.TryComplete();
                await ended.CancelAsync().ConfigureAwait(false);
                PendingFile[] unfinished;
                lock (_gate)
                {
                    unfinished = [.. _fetching.Values];
                }

                foreach (var fetch in unfinished)
                {
                    EndFetch(fetch, new IOException("The connection to the coordinator ended during the transfer."));
                }

                // Tasks abandoned after a signal's grace keep running until the process exits; they are not waited for.
                await Task.WhenAll([writer, leave, heartbeat ?? Task.CompletedTask, .. executors]).WaitAsync(departure.Abandoned).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        private async Task ExecuteLoopAsync(CancellationToken ended)
        {
            var reader = _tasks.Reader;
            var current = TaskContext.Enter();
            while (await reader.WaitToReadAsync(ended).ConfigureAwait(false))
            {
                // Once the connection is lost, what is still queued is the coordinator's to run elsewhere.
                while (!ended.IsCancellationRequested && reader.TryRead(out var task))
                {
                    var started = Stopwatch.GetTimestamp();
                    var result = await ExecuteAsync(task, current).ConfigureAwait(false);
                    AddResult(result, flushNow: reader.Count == 0 || Stopwatch.GetTimestamp() - started > BatchableTicks);
                }
            }
        }

        /// <summary>Runs a partition's items in order, each with its own context, result or error; stops early when draining.</summary>
        private async ValueTask<TaskResult> ExecuteAsync(TaskSpec partition, StrongBox<TaskContext?> current)
        {
            var started = Stopwatch.GetTimestamp();
            var result = new TaskResult { Id = partition.Id };
            Task<LoadedFunction> loading;
            lock (_gate)
            {
                loading = _functions[partition.Function];
            }

            // Loading (and fetching) the function is not the items' work: wait for it before their clocks start.
            if (!loading.IsCompleted)
            {
                await loading.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }

            // A partition of one sends its value as it came; more are packed one after the other.
            var packed = partition.Arguments.Count > 1 ? new ArrayBufferWriter<byte>() : null;
            var single = ByteString.Empty;
            var computeTicks = 0L;
            for (var item = 0; item < partition.Arguments.Count; item++)
            {
                var id = partition.Id + (ulong)item;
                if (_draining || _ended.IsCancellationRequested)
                {
                    break; // the rest goes back unstarted, or is the coordinator's to run elsewhere once the connection is lost
                }

                if (_cancelledCount > 0 && TakeCancelled(id))
                {
                    (result.Failures ??= new ItemFailures()).Cancelled.Add((uint)item);
                    result.ValueEnds.Add((uint)(packed?.WrittenCount ?? single.Length));
                    continue;
                }

                var itemStarted = Stopwatch.GetTimestamp();
                var context = new TaskContext(new TaskKey((long)partition.Map, (long)partition.FirstIndex + item), commandLine.Name, _seed, id, this);
                current.Value = context;
                try
                {
                    var function = await loading.ConfigureAwait(false);
                    var value = await function.RunAsync(partition.Arguments[item].Memory, function.TakesCancellation ? context.CancellationToken : CancellationToken.None).ConfigureAwait(false);
                    if (packed is null)
                    {
                        single = UnsafeByteOperations.UnsafeWrap(value);
                    }
                    else
                    {
                        packed.Write(value);
                    }
                }
                catch (OperationCanceledException) when (context.CancellationRequested)
                {
                    (result.Failures ??= new ItemFailures()).Cancelled.Add((uint)item);
                }
                catch (Exception exception)
                {
                    var thrown = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
                    (result.Failures ??= new ItemFailures()).Errors.Add(new ItemError
                    {
                        Item = (uint)item,
                        Error = new TaskError { Type = thrown.GetType().FullName ?? thrown.GetType().Name, Message = thrown.Message, StackTrace = thrown.StackTrace ?? "" },
                    });
                }
                finally
                {
                    current.Value = null;
                    context.End();
                    computeTicks += Stopwatch.GetTimestamp() - itemStarted;
                }

                result.ValueEnds.Add((uint)(packed?.WrittenCount ?? single.Length));
            }

            result.Values = packed is null ? single : UnsafeByteOperations.UnsafeWrap(packed.WrittenMemory);
            result.ComputeNanoseconds = Nanoseconds(computeTicks);
            var elapsed = Stopwatch.GetTimestamp() - started;
            lock (_gate)
            {
                _averageTicks = _averageTicks == 0 ? elapsed : (0.9 * _averageTicks) + (0.1 * elapsed);
            }

            return result;
        }

        private static ulong Nanoseconds(long stopwatchTicks) => (ulong)Math.Max(0, stopwatchTicks * (1_000_000_000.0 / Stopwatch.Frequency));

        CancellationTokenSource ITaskCancellation.Track(ulong taskId)
        {
            var source = CancellationTokenSource.CreateLinkedTokenSource(_ended);
            lock (_gate)
            {
                _running[taskId] = source;
            }

            if (_cancelledCount > 0 && TakeCancelled(taskId))
            {
                source.Cancel();
            }

            return source;
        }

        /// <summary>Whether the coordinator cancelled the task before it started or before it asked for its token; forgets it.</summary>
        private bool TakeCancelled(ulong taskId)
        {
            lock (_gate)
            {
                var removed = _cancelled.Remove(taskId);
                _cancelledCount = _cancelled.Count;
                return removed;
            }
        }

        void ITaskCancellation.Untrack(ulong taskId)
        {
            lock (_gate)
            {
                _running.Remove(taskId);
            }
        }

        /// <summary>Fetches the files the definition names that the node lacks, then loads the function from its code version.</summary>
        private async Task<LoadedFunction> LoadAsync(FunctionDefinition definition)
        {
            var waits = new List<Task>();
            var request = new FetchFiles();
            lock (_gate)
            {
                var needed = definition.Assemblies.Concat(definition.NativeLibraries).Concat(definition.ExternalValues.Select(value => value.Content));
                foreach (var file in needed.Where(file => !files.Contains(file)))
                {
                    if (!_fetching.TryGetValue(file.Sha256, out var fetch))
                    {
                        _fetching[file.Sha256] = fetch = new PendingFile(file);
                        request.Sha256.Add(file.Sha256);
                    }

                    waits.Add(fetch.Arrived.Task);
                }
            }

            if (request.Sha256.Count > 0)
            {
                logger.LogDebug("Fetching {Count} files for {Function}", request.Sha256.Count, definition.MethodName);
                Post(new FromWorker { Fetch = request });
            }

            await Task.WhenAll(waits).ConfigureAwait(false);
            try
            {
                return LoadedFunction.Load(definition, CodeLoadContext.For(definition, files), files);
            }
            catch (Exception exception) when (ValueCodec.IsDecodingFailure(exception))
            {
                // Its tasks fail with this error; the log says once that the worker refused what it was sent.
                logger.LogWarning("Refused function {Function}: {Reason}", definition.MethodName, exception.Message);
                throw;
            }
        }

        // Runs on the read loop, so one file's chunks arrive in order.
        private void Receive(FileChunk chunk)
        {
            PendingFile? fetch;
            lock (_gate)
            {
                fetch = _fetching.GetValueOrDefault(chunk.Sha256);
            }

            if (fetch is null)
            {
                throw new WireProtocolException("The coordinator sent a file this worker did not ask for.");
            }

            try
            {
                if (chunk.Error.Length > 0)
                {
                    throw new InvalidOperationException($"The coordinator could not send {fetch.File.Name}: {chunk.Error}");
                }

                fetch.Incoming ??= files.Receive(fetch.File);
                fetch.Incoming.Append(chunk.Data.Span);
                if (chunk.Last)
                {
                    fetch.Incoming.Complete();
                    EndFetch(fetch, null);
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                EndFetch(fetch, exception);
            }
        }

        private void EndFetch(PendingFile fetch, Exception? failure)
        {
            fetch.Incoming?.Dispose();
            lock (_gate)
            {
                _fetching.Remove(fetch.File.Sha256);
            }

            if (failure is null)
            {
                fetch.Arrived.TrySetResult();
            }
            else
            {
                fetch.Arrived.TrySetException(failure);
            }
        }

        private void Cancel(IEnumerable<ulong> ids)
        {
            lock (_gate)
            {
                foreach (var id in ids)
                {
                    if (_running.TryGetValue(id, out var running))
                    {
                        running.Cancel();
                    }
                    else
                    {
                        _cancelled.Add(id);
                        _cancelledCount = _cancelled.Count;
                    }
                }
            }
        }

        /// <summary>When the worker leaves on its own: tells the coordinator, drains, then ends the connection.</summary>
        private async Task LeaveWhenToldAsync(Task[] executors, CancellationTokenSource ended)
        {
            using (var either = CancellationTokenSource.CreateLinkedTokenSource(departure.Leaving, ended.Token))
            {
                await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }

            if (ended.IsCancellationRequested)
            {
                return;
            }

            Post(new FromWorker { Leaving = new Leaving { Reason = departure.Reason } });
            try
            {
                await DrainAsync(executors, ended.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                return;
            }

            // Ends the read loop: this session is over.
            await ended.CancelAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Hands back what has not started, finishes what runs (a signal bounds the wait, and the coordinator requeues
        /// what is left), and returns once the last results are written.
        /// </summary>
        private async Task DrainAsync(Task[] executors, CancellationToken ended)
        {
            lock (_gate)
            {
                _draining = true;
            }

            _tasks.Writer.TryComplete();
            try
            {
                await Task.WhenAll(executors).WaitAsync(departure.Abandoned).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (departure.Abandoned.IsCancellationRequested)
            {
                logger.LogWarning("Running tasks did not finish within {Seconds} s of the signal; the coordinator runs them elsewhere", departure.SignalGrace.TotalSeconds);
            }

            lock (_gate)
            {
                _closing = true;
            }

            _flush.Release();
            await _lastFlush.Task.WaitAsync(ended).ConfigureAwait(false);
        }

        private void AddResult(TaskResult result, bool flushNow)
        {
            bool flush;
            lock (_gate)
            {
                _results.Add(result);
                _resultBytes += result.Values.Length;
                _finished++;
                flush = flushNow || _results.Count >= ResultsPerBatch || _resultBytes >= ResultBytesPerBatch;
            }

            if (flush)
            {
                _flush.Release();
            }
        }

        private void Post(FromWorker message)
        {
            lock (_gate)
            {
                _outbox.Add(message);
            }

            _flush.Release();
        }

        private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken ended)
        {
            using var timer = new PeriodicTimer(interval);
            using var self = Process.GetCurrentProcess();

            // The first at once, so that the coordinator knows the worker's memory use from the start.
            do
            {
                self.Refresh();
                Post(new FromWorker { Heartbeat = new Heartbeat { ResidentMemory = (ulong)self.WorkingSet64 } });
            }
            while (await timer.WaitForNextTickAsync(ended).ConfigureAwait(false));
        }

        private async Task WriteLoopAsync(CancellationToken ended)
        {
            var results = new List<TaskResult>();
            var outbox = new List<FromWorker>();
            while (true)
            {
                await _flush.WaitAsync(ended).ConfigureAwait(false);

                // One write for every wake-up asked for meanwhile: a gRPC write costs far more than a semaphore.
                while (_flush.Wait(0))
                {
                }
                uint credit;
                bool closing;
                lock (_gate)
                {
                    (_results, results) = (results, _results);
                    _resultBytes = 0;
                    (_outbox, outbox) = (outbox, _outbox);
                    credit = _draining ? 0 : CreditLocked();
                    closing = _closing;
                }

                // gRPC's client sends each write at once and allows one in flight: all queued results go in one.
                foreach (var message in outbox)
                {
                    await connection.Output.WriteAsync(message, ended).ConfigureAwait(false);
                }

                if (results.Count > 0 || credit > 0)
                {
                    var batch = new ResultBatch { Credit = credit };
                    batch.Results.AddRange(results);
                    await connection.Output.WriteAsync(new FromWorker { Results = batch }, ended).ConfigureAwait(false);
                }

                results.Clear();
                outbox.Clear();
                if (closing)
                {
                    _lastFlush.TrySetResult();
                }
            }
        }

        // Ask for enough tasks to keep every thread busy for about 2 ms (at least two each), counting those held and those already asked for.
        private uint CreditLocked()
        {
            var threads = commandLine.Threads;
            var target = _averageTicks == 0
                ? 2 * threads
                : (int)Math.Clamp(threads * (BufferedWorkTicks / _averageTicks), 2 * threads, 4096);
            var held = Interlocked.Read(ref _received) - _finished;
            var askedFor = _creditGranted - Interlocked.Read(ref _received);
            var more = target - held - askedFor;
            if (more <= 0)
            {
                return 0;
            }

            _creditGranted += more;
            return (uint)more;
        }

        /// <summary>A file asked for and not yet complete.</summary>
        private sealed class PendingFile(ShippedFile file)
        {
            public ShippedFile File { get; } = file;

            public FileCache.IncomingFile? Incoming { get; set; }

            public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
