using System.Diagnostics;
using Grpc.Core;
using JobQueue.JobScripts;
using JobQueue.Maps;
using JobQueue.Protocol;
using JobQueue.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// One connection's worth of work: registers, reads the coordinator's messages and hands each to the
/// <see cref="TaskExecutor"/>, the <see cref="CodeFetcher"/> or the <see cref="Outbox"/>, sends heartbeats, drains when
/// told or when leaving on its own, and takes a coordinator silent for too long for frozen or gone. It holds the worker
/// to its memory limit: paused, it hands back what it has not started and asks for nothing; over the limit, it
/// tells the coordinator, hands back what it has not started and ends the worker (its nanny restarts it).
/// </summary>
internal sealed class CoordinatorSession
{
    /// <summary>A coordinator unheard of for this long (it sends a heartbeat every second) is taken for frozen or gone.</summary>
    private static readonly TimeSpan CoordinatorSilenceLimit = TimeSpan.FromSeconds(10);

    /// <summary>How long a drained worker waits for the coordinator to end the call after reading its last message.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly WorkerCommandLine _commandLine;
    private readonly CoordinatorConnection _connection;
    private readonly ILogger _logger;
    private readonly WorkerDeparture _departure;
    private readonly Stopwatch _lastContact;
    private readonly Outbox _outbox;
    private readonly CodeFetcher _code;
    private readonly TaskExecutor _executor;
    private readonly MemoryMonitor _memory;

    // Set once the worker drained (told to, or leaving on its own): the end of the call is then the expected one.
    private volatile bool _drained;

    // Set once the worker went over its memory limit: it ends, whatever becomes of the call.
    private volatile bool _memoryExceeded;

    // Whether this session paused the worker: what its heartbeats say, so that they never run ahead of the hand-back.
    private volatile bool _paused;

    public CoordinatorSession(
        WorkerCommandLine commandLine, CoordinatorConnection connection, FileCache files, WorkerValues values, ILogger logger, WorkerDeparture departure, Stopwatch lastContact,
        MemoryMonitor memory)
    {
        _memory = memory;
        _commandLine = commandLine;
        _connection = connection;
        _logger = logger;
        _departure = departure;
        _lastContact = lastContact;
        _outbox = new Outbox(connection, commandLine.Threads);
        _code = new CodeFetcher(files, _outbox, logger);
        _executor = new TaskExecutor(commandLine.Name, _code, _outbox, values);
    }

    /// <summary>Returns how the worker ends, or null to reconnect.</summary>
    public async Task<WorkerExit?> RunAsync(CancellationToken stopping)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _outbox.Post(new FromWorker
        {
            Register = new Register
            {
                Name = _commandLine.Name,
                Host = Environment.MachineName,
                JobId = _commandLine.JobId ?? "",
                Threads = (uint)_commandLine.Threads,
                MemoryLimit = (ulong)_commandLine.MemoryLimit.Bytes,
                ProcessId = Environment.ProcessId,
                Resources = { _commandLine.Resources.ToDictionary() },
            },
        });
        var writer = _outbox.StartWriting(ended.Token);
        var executors = _executor.Start(_commandLine.Threads, ended.Token);
        Task? heartbeat = null;
        var leave = LeaveWhenToldAsync(executors, ended);
        _memory.PausedChanged += PausedChanged;
        if (_memory.Paused)
        {
            PausedChanged(true);
        }

        var overMemory = LeaveWhenOverMemoryAsync(ended);
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(ended.Token);
        var silenceLimit = _commandLine.DeathTimeout < CoordinatorSilenceLimit ? _commandLine.DeathTimeout : CoordinatorSilenceLimit;
        try
        {
            while (true)
            {
                silence.CancelAfter(silenceLimit);
                if (!await _connection.Input.MoveNext(silence.Token).ConfigureAwait(false))
                {
                    // The coordinator ended the call: after a drain, once it read everything this worker sent.
                    return _memoryExceeded ? WorkerExit.MemoryExceeded : _drained ? WorkerExit.Done : null;
                }

                _lastContact.Restart();
                var message = _connection.Input.Current;
                switch (message.MessageCase)
                {
                    case ToWorker.MessageOneofCase.Welcome:
                        _executor.Seed = message.Welcome.Seed;
                        heartbeat ??= HeartbeatLoopAsync(TimeSpan.FromMilliseconds(message.Welcome.HeartbeatIntervalMs), ended.Token);
                        _outbox.Flush(); // grants the first credit
                        break;
                    case ToWorker.MessageOneofCase.Function:
                        _code.Define(message.Function, ended.Token);

                        break;
                    case ToWorker.MessageOneofCase.File:
                        _code.Receive(message.File);
                        break;
                    case ToWorker.MessageOneofCase.Tasks:
                        _outbox.Received(message.Tasks.Tasks.Count);
                        foreach (var task in message.Tasks.Tasks)
                        {
                            if (!_executor.TryQueue(task))
                            {
                                // Sent before the coordinator heard that this worker is leaving.
                                _outbox.AddResult(new TaskResult { Id = task.Id }, flushNow: true); // no values: every item handed back
                            }
                        }

                        break;
                    case ToWorker.MessageOneofCase.Cancel:
                        _executor.Cancel(message.Cancel.Ids);
                        break;
                    case ToWorker.MessageOneofCase.Drain:
                        await DrainAsync(executors, ended).ConfigureAwait(false);
                        break;
                    case ToWorker.MessageOneofCase.Shutdown:
                        _logger.LogInformation("Shutting down: {Reason}", message.Shutdown.Reason);
                        return WorkerExit.Done;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException && _memoryExceeded)
        {
            return WorkerExit.MemoryExceeded;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException && (_drained || _departure.Leaving.IsCancellationRequested))
        {
            // Left on its own (or lost the coordinator while leaving, which then requeues what this worker held).
            return WorkerExit.Done;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException && !stopping.IsCancellationRequested)
        {
            if (silence.IsCancellationRequested && !ended.IsCancellationRequested)
            {
                _logger.LogWarning("The coordinator has been silent for {Seconds:0} s; taking it for frozen or gone", silenceLimit.TotalSeconds);
            }

            return null;
        }
        finally
        {
            _memory.PausedChanged -= PausedChanged;
            _executor.Close(handBack: false);
            await ended.CancelAsync().ConfigureAwait(false);
            _code.AbandonFetches();

            // Tasks abandoned after a signal's grace, or running when memory ran out, keep running until the process
            // exits; they are not waited for.
            var running = _memoryExceeded ? [] : executors;
            await Task.WhenAll([writer, leave, overMemory, heartbeat ?? Task.CompletedTask, .. running]).WaitAsync(_departure.Abandoned).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>When the worker leaves on its own: tells the coordinator, then drains.</summary>
    private async Task LeaveWhenToldAsync(Task[] executors, CancellationTokenSource ended)
    {
        using (var either = CancellationTokenSource.CreateLinkedTokenSource(_departure.Leaving, ended.Token))
        {
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (ended.IsCancellationRequested)
        {
            return;
        }

        _outbox.Post(new FromWorker { Leaving = new Leaving { Reason = _departure.Reason } });
        try
        {
            await DrainAsync(executors, ended).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
    }

    /// <summary>Pausing hands back the partitions not started and asks for no more; resuming asks again.</summary>
    private void PausedChanged(bool paused)
    {
        if (!paused && _memoryExceeded)
        {
            return; // leaving anyway: nothing more starts
        }

        if (paused)
        {
            _paused = true;
            foreach (var partition in _executor.Pause())
            {
                _outbox.AddResult(new TaskResult { Id = partition.Id }, flushNow: true); // no values: every item handed back
            }
        }
        else
        {
            _executor.Resume();
            _paused = false;
        }

        _outbox.Post(new FromWorker { Heartbeat = new Heartbeat { ResidentMemory = (ulong)_memory.Resident, Paused = paused } });
        _outbox.Pause(paused);
    }

    /// <summary>
    /// Over its memory limit, the worker hands back what it has not started, tells the coordinator (which counts what
    /// it was running a failure), writes that out and ends; running tasks are not waited for.
    /// </summary>
    private async Task LeaveWhenOverMemoryAsync(CancellationTokenSource ended)
    {
        using (var either = CancellationTokenSource.CreateLinkedTokenSource(_memory.Exceeded, ended.Token))
        {
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (ended.IsCancellationRequested)
        {
            return;
        }

        _memoryExceeded = true;
        PausedChanged(true);
        _outbox.Post(new FromWorker { MemoryExceeded = new MemoryExceeded { ResidentMemory = (ulong)_memory.Resident, MemoryLimit = (ulong)_memory.Limit } });
        try
        {
            await _outbox.CloseAsync(ended.Token).WaitAsync(CloseGrace, ended.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or IOException or RpcException)
        {
            // The coordinator then counts what this worker held a failure, without the reason.
            await ended.CancelAsync().ConfigureAwait(false);
            return;
        }

        // As after a drain, the coordinator ends the call once it has read everything, MemoryExceeded included; ending
        // it here first could reset the stream before it did (an HTTP/2 reset discards what was not read yet), and the
        // failure would lose its reason.
        ended.CancelAfter(CloseGrace);
    }

    /// <summary>
    /// Hands back what has not started, finishes what runs (a signal bounds the wait, and the coordinator requeues
    /// what is left), writes the last results and ends the request stream. The coordinator then reads everything
    /// sent and ends the call, which ends the read loop; disposing the call any earlier could drop what it had not
    /// read yet (an HTTP/2 reset discards it), so that the coordinator would take the tasks handed back for lost.
    /// </summary>
    private async Task DrainAsync(Task[] executors, CancellationTokenSource ended)
    {
        _outbox.StopAsking();
        _executor.Close(handBack: true);
        try
        {
            await Task.WhenAll(executors).WaitAsync(_departure.Abandoned).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_departure.Abandoned.IsCancellationRequested)
        {
            _logger.LogWarning("Running tasks did not finish within {Seconds} s of the signal; the coordinator runs them elsewhere", _departure.SignalGrace.TotalSeconds);
        }

        await _outbox.CloseAsync(ended.Token).ConfigureAwait(false);
        _drained = true;
        ended.CancelAfter(CloseGrace);
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken ended)
    {
        using var timer = new PeriodicTimer(interval);

        // The first at once, so that the coordinator knows the worker's memory use from the start.
        do
        {
            _outbox.Post(new FromWorker { Heartbeat = new Heartbeat { ResidentMemory = (ulong)_memory.Resident, Paused = _paused } });
        }
        while (await timer.WaitForNextTickAsync(ended).ConfigureAwait(false));
    }
}
