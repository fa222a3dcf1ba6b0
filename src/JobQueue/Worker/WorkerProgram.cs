using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Worker;

/// <summary>The WorkerHost's program: a nanny of the job's worker processes, or (<c>--no-nanny</c>) one worker.</summary>
internal static class WorkerProgram
{
    // SIGUSR2 on Linux: Grid Engine sends it to a job submitted with -notify shortly before killing it.
    internal const PosixSignal GridEngineNotifySignal = (PosixSignal)12;

    /// <summary>Runs the WorkerHost with its command line; returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (WorkerCommandLine.TryWriteHelp(args, Console.Out))
        {
            return 0;
        }

        WorkerCommandLine commandLine;
        try
        {
            commandLine = WorkerCommandLine.Parse(args);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return (int)WorkerExit.BadSetup;
        }

        if (!commandLine.Nanny)
        {
            CoordinatorConnection.PreloadTrustStore();
        }

        await using var serilog = CreateLog(commandLine);
        if (commandLine.Nanny)
        {
            using var logging = new SerilogLoggerFactory(serilog);
            return await new WorkerNanny(commandLine, logging.CreateLogger("nanny")).RunAsync().ConfigureAwait(false);
        }

        return await RunWorkerAsync(commandLine, serilog).ConfigureAwait(false);
    }

    /// <summary>Log lines on standard error, which the batch system keeps with the job, each naming the worker (or the job's nanny).</summary>
    private static Serilog.Core.Logger CreateLog(WorkerCommandLine commandLine) => new LoggerConfiguration()
        .MinimumLevel.Is(Enum.TryParse<LogEventLevel>(commandLine.LogLevel, ignoreCase: true, out var level) ? level : LogEventLevel.Information)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Worker}: {Message:lj}{NewLine}{Exception}")
        .Enrich.WithProperty("Worker", commandLine.Nanny ? $"{commandLine.Name} (nanny)" : commandLine.Name)
        .CreateLogger();

    private static async Task<int> RunWorkerAsync(WorkerCommandLine commandLine, Serilog.Core.Logger serilog)
    {
        // A worker has one connection, whose reads only hand messages on: running them on the socket's event thread,
        // as .NET's sockets offer, saves a thread wake-up per message each way. The runtime reads this once, when the
        // process's first socket starts, which is after this line.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

        // No generic host: a worker needs only its signals and a logger, and the host's dependency injection and
        // configuration cost every worker start about 100 ms and a few MB of its idle memory.
        using var logging = new SerilogLoggerFactory(serilog);
        var logger = logging.CreateLogger("JobQueue.Worker");
        using var departure = new WorkerDeparture(commandLine.Lifetime, commandLine.LifetimeStagger, commandLine.SignalGrace, logger);
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Stop(PosixSignalContext context)
        {
            // The worker leaves gracefully rather than dropping its tasks.
            context.Cancel = true;
            departure.Leave("the batch system or the user is stopping it (SIGTERM)", signalled: true);
            signalled.TrySetResult();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
        using var notified = PosixSignalRegistration.Create(GridEngineNotifySignal, context =>
        {
            context.Cancel = true;
            departure.Leave("Grid Engine's notify signal (SIGUSR2): the job is about to be killed", signalled: true);
        });

        var run = new WorkerRuntime(commandLine, logger, departure).RunAsync(CancellationToken.None);

        // Once signalled, the worker has its grace to leave and a little more; then the process ends regardless.
        var overstayed = signalled.Task.ContinueWith(_ => Task.Delay(commandLine.SignalGrace + TimeSpan.FromSeconds(5)), TaskScheduler.Default).Unwrap();
        if (await Task.WhenAny(run, overstayed).ConfigureAwait(false) != run)
        {
            logger.LogWarning("The worker did not leave within its grace after the signal; exiting");
            return (int)WorkerExit.Done;
        }

        return (int)await run.ConfigureAwait(false);
    }
}
