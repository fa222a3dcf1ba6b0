using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>Found by name by the core library (<see cref="DashboardLoader"/>): starts Kestrel on the first free port of the binding.</summary>
internal sealed class KestrelDashboardFactory : DashboardFactory
{
    public override async Task<DashboardServer> StartAsync(DashboardSource source, CancellationToken cancellationToken)
    {
        var logger = source.LoggerFactory.CreateLogger<KestrelDashboard>();
        var requests = new DashboardRequests(new DashboardSampler(source.Sample, source.SampleInterval, logger), source.Token, source.Binding.IsLoopback, source.JobLog, logger);
        try
        {
            var failures = new List<string>();
            foreach (var port in source.Binding.Ports)
            {
                var app = Build(source, port, requests);
                try
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException exception)
                {
                    failures.Add($"{port}: {exception.Message}");
                    await app.DisposeAsync().ConfigureAwait(false);
                    continue;
                }

                if (failures.Count > 0)
                {
                    logger.LogInformation("Dashboard port {Port} was taken; it listens on {Bound}", source.Binding.Port, BoundPort(app));
                }

                return new KestrelDashboard(app, requests, $"http://{source.Binding.LinkHost}:{BoundPort(app)}/?token={source.Token}");
            }

            throw new InvalidOperationException(
                $"no port of {source.Binding.Address} from {source.Binding.Port} was free ({string.Join("; ", failures.Take(3))}); set DashboardAddress to a free port, or port 0 for any");
        }
        catch
        {
            await requests.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static WebApplication Build(DashboardSource source, int port, DashboardRequests requests)
    {
        // The empty builder reads no configuration, environment or appsettings: the user's program is not a web app.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "JobQueue.Dashboard" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(source.Binding.Address, port);
        });
        builder.Services.AddSingleton(source.LoggerFactory);
        builder.Services.AddLogging();

        // The host lives inside the user's process: it must not take Ctrl+C or SIGTERM from it, nor wait long for open pages.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Run(requests.HandleAsync);
        return app;
    }

    private static int BoundPort(WebApplication app) =>
        new Uri(app.Urls.First()).Port;

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
