using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace JobQueue.Execution;

/// <summary>The WorkerHost's program: one worker under the generic host, or several worker processes under one job.</summary>
public static class WorkerProgram
{
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
        builder.Services.AddSingleton(commandLine);
        builder.Services.AddSingleton<WorkerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WorkerService>());
        using var host = builder.Build();
        var worker = host.Services.GetRequiredService<WorkerService>();
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
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            foreach (var child in children.Where(child => !child.HasExited))
            {
                Signal(child.Id);
            }
        });
        await Task.WhenAll(children.Select(child => child.WaitForExitAsync())).ConfigureAwait(false);
        var exit = children.Max(child => child.ExitCode);
        children.ForEach(child => child.Dispose());
        return exit;
    }

    private static void Signal(int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    private sealed class WorkerService(WorkerCommandLine commandLine, ILogger<WorkerService> logger, IHostApplicationLifetime lifetime) : BackgroundService
    {
        public WorkerExit Exit { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            Exit = await new WorkerRuntime(commandLine, logger).RunAsync(stoppingToken).ConfigureAwait(false);
            lifetime.StopApplication();
        }
    }
}
