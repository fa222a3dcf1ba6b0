using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Worker;

/// <summary>The WorkerHost's program: a nanny of the job's worker processes, or (<c>--no-nanny</c>) one worker under the generic host.</summary>
internal static class WorkerProgram
{
    // SIGUSR2 on Linux: Grid Engine sends it to a job submitted with -notify shortly before killing it.
    internal const PosixSignal GridEngineNotifySignal = (PosixSignal)12;

    /// <summary>Runs the WorkerHost with its command line; returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
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

        await using var serilog = CreateLog(commandLine);
        if (commandLine.Nanny)
        {
            using var logging = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
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
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSerilog(serilog);

        // SIGTERM stops the host, which makes the worker leave gracefully: the host must wait out the grace.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = commandLine.SignalGrace + TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(commandLine);
        builder.Services.AddSingleton<WorkerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WorkerService>());
        using var host = builder.Build();
        var worker = host.Services.GetRequiredService<WorkerService>();
        using var notified = PosixSignalRegistration.Create(GridEngineNotifySignal, context =>
        {
            context.Cancel = true;
            worker.Departure.Leave("Grid Engine's notify signal (SIGUSR2): the job is about to be killed", signalled: true);
        });
        await host.RunAsync().ConfigureAwait(false);
        return (int)worker.Exit;
    }

    private sealed class WorkerService(WorkerCommandLine commandLine, ILogger<WorkerService> logger, IHostApplicationLifetime lifetime) : BackgroundService
    {
        public WorkerExit Exit { get; private set; }

        public WorkerDeparture Departure { get; } = new(commandLine.Lifetime, commandLine.LifetimeStagger, commandLine.SignalGrace, logger);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            // The host stops on SIGTERM (or SIGINT): the worker leaves gracefully rather than dropping its tasks.
            using var stopping = stoppingToken.Register(() => Departure.Leave("the batch system or the user is stopping it (SIGTERM)", signalled: true));
            Exit = await new WorkerRuntime(commandLine, logger, Departure).RunAsync(CancellationToken.None).ConfigureAwait(false);
            lifetime.StopApplication();
        }

        public override void Dispose()
        {
            Departure.Dispose();
            base.Dispose();
        }
    }
}
