using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using JobQueue.JobScripts;
using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// The WorkerHost at the head of a batch job (dask's nanny): it runs the job's worker processes, one per
/// <c>--nworkers</c>, restarts one that dies with the backoff of <see cref="WorkerRestarts"/>, passes termination
/// signals on, and exits when they all have. A worker that exited 0 (done), 2 (bad setup), 3 (untrusted coordinator)
/// or 4 (no coordinator) would end the same way again, so it is not restarted. When workers keep dying young the nanny
/// gives up: it stops the others and ends the job with <see cref="WorkerExit.WorkersKeptDying"/>.
/// </summary>
internal sealed class WorkerNanny(WorkerCommandLine commandLine, ILogger logger)
{
    private readonly WorkerRestarts _restarts = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Process> _running = [];
    private readonly CancellationTokenSource _stopping = new();
    private bool _gaveUp;

    /// <summary>Runs the workers until they have all ended; returns the job's exit code.</summary>
    public async Task<int> RunAsync()
    {
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, PassOn);
        using var notified = PosixSignalRegistration.Create(WorkerProgram.GridEngineNotifySignal, PassOn);
        var names = commandLine.Workers > 1
            ? Enumerable.Range(0, commandLine.Workers).Select(k => $"{commandLine.Name}-{k}")
            : [commandLine.Name];
        var exits = await Task.WhenAll(names.Select(SuperviseAsync)).ConfigureAwait(false);
        lock (_gate)
        {
            return _gaveUp ? (int)WorkerExit.WorkersKeptDying : exits.Max();
        }
    }

    /// <summary>Runs one worker, and again each time it dies, until it ends for good; returns its last exit code.</summary>
    private async Task<int> SuperviseAsync(string name)
    {
        while (true)
        {
            var uptime = Stopwatch.StartNew();
            using var process = Start(name);
            if (process is null)
            {
                return (int)WorkerExit.Done; // stopping before it could start again
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            var exitCode = process.ExitCode;
            lock (_gate)
            {
                _running.Remove(name);
            }

            if (_stopping.IsCancellationRequested || IsFinal(exitCode))
            {
                return exitCode;
            }

            var (delay, youngDeaths) = _restarts.Exited(uptime.Elapsed);
            if (youngDeaths >= WorkerRestarts.StartFailuresToGiveUp)
            {
                logger.LogError(
                    "Worker {Name} (process {Pid}) exited with code {ExitCode}: workers of this job died {Count} times in a row within {Seconds:0} s of starting; giving up and ending the job with exit code {JobExit}",
                    name, process.Id, exitCode, youngDeaths, WorkerRestarts.YoungAge.TotalSeconds, (int)WorkerExit.WorkersKeptDying);
                GiveUp();
                return exitCode;
            }

            logger.LogWarning(
                "Worker {Name} (process {Pid}) exited with code {ExitCode} after {Seconds:0.#} s; restarting it in {Delay:0.#} s",
                name, process.Id, exitCode, uptime.Elapsed.TotalSeconds, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return exitCode;
            }
        }
    }

    private static bool IsFinal(int exitCode) =>
        (WorkerExit)exitCode is WorkerExit.Done or WorkerExit.BadSetup or WorkerExit.UntrustedCoordinator or WorkerExit.CoordinatorGone;

    /// <summary>Starts the worker <paramref name="name"/> as a child that follows this process; null once stopping.</summary>
    private Process? Start(string name)
    {
        var child = commandLine with { Name = name, Workers = 1, Nanny = false, ParentProcessId = Environment.ProcessId };
        var startInfo = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Run as `dotnet WorkerHost.dll`, which the first argument names; an apphost (WorkerHost) runs itself.
            startInfo.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        foreach (var argument in child.ToArguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return null;
            }

            var process = Process.Start(startInfo)!;
            _running[name] = process;
            _restarts.Started();
            return process;
        }
    }

    /// <summary>SIGTERM or Grid Engine's SIGUSR2: no more restarts, and the workers get the signal to leave gracefully.</summary>
    private void PassOn(PosixSignalContext context)
    {
        context.Cancel = true;
        Stop(context.Signal == WorkerProgram.GridEngineNotifySignal ? "-USR2" : "-TERM");
    }

    private void GiveUp()
    {
        lock (_gate)
        {
            _gaveUp = true;
        }

        Stop("-TERM");
    }

    private void Stop(string signal)
    {
        Process[] running;
        lock (_gate)
        {
            _stopping.Cancel();
            running = [.. _running.Values];
        }

        foreach (var process in running)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", [signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit();
        }
    }
}
