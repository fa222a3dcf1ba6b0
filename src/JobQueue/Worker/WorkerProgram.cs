using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Worker;

/// <summary>The WorkerHost's program: one worker under the generic host, or several worker processes under one job.</summary>
internal static class WorkerProgram
{
    // SIGUSR2 on Linux: Grid Engine sends it to a job submitted with -notify shortly before killing it.
    private const PosixSignal GridEngineNotifySignal = (PosixSignal)12;

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

        return commandLine.Workers > 1
            ? await RunProcessesAsync(commandLine).ConfigureAwait(false)
            : await RunWorkerAsync(commandLine).ConfigureAwait(false);
    }

    private static async Task<int> RunWorkerAsync(WorkerCommandLine commandLine)
    {
        var level = Enum.TryParse<LogEventLevel>(commandLine.LogLevel, ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        await using var serilog = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Worker}: {Message:lj}{NewLine}{Exception}")
            .Enrich.WithProperty("Worker", commandLine.Name)
            .CreateLogger();
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

    /// <summary>
    /// <c>--nworkers P</c>: P worker processes named <c>&lt;name&gt;-&lt;k&gt;</c>, each following this one, which
    /// passes on termination and exits when they all have.
    /// </summary>
    private static async Task<int> RunProcessesAsync(WorkerCommandLine commandLine)
    {
        var entry = Environment.GetCommandLineArgs()[0];
        var children = Enumerable.Range(0, commandLine.Workers).Select(k =>
        {
            var child = commandLine with { Name = $"{commandLine.Name}-{k}", Workers = 1, ParentProcessId = Environment.ProcessId };
            var startInfo = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            if (!entry.Equals(Environment.ProcessPath, StringComparison.Ordinal))
            {
                startInfo.ArgumentList.Add(entry);
            }

            foreach (var argument in child.ToArguments())
            {
                startInfo.ArgumentList.Add(argument);
            }

            return Process.Start(startInfo)!;
        }).ToList();
        void PassOn(PosixSignalContext context)
        {
            context.Cancel = true;
            foreach (var child in children.Where(child => !child.HasExited))
            {
                Signal(child.Id, context.Signal == GridEngineNotifySignal ? "-USR2" : "-TERM");
            }
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, PassOn);
        using var notified = PosixSignalRegistration.Create(GridEngineNotifySignal, PassOn);
        await Task.WhenAll(children.Select(child => child.WaitForExitAsync())).ConfigureAwait(false);
        var exit = children.Max(child => child.ExitCode);
        children.ForEach(child => child.Dispose());
        return exit;
    }

    private static void Signal(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
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
