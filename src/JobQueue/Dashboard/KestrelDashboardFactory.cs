using System.Net;
using System.Net.Sockets;
using JobQueue.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>Starts Kestrel for a dashboard on the first free port of the binding.</summary>
internal static class KestrelDashboardFactory
{
    /// <exception cref="InvalidOperationException">No port of the binding was free.</exception>
    /// <exception cref="SocketException">The address is not this machine's, or a port not this user's to take.</exception>
    public static async Task<DashboardServer> StartAsync(DashboardSource source, CancellationToken cancellationToken)
    {
        var logger = source.LoggerFactory.CreateLogger<KestrelDashboard>();
        var requests = new DashboardRequests(new DashboardSampler(source.Sample, source.SampleInterval, logger), source.Token, source.Binding.IsLoopback, source.JobLog, logger);
        try
        {
            foreach (var port in source.Binding.Ports)
            {
                if (EmbeddedWebHost.TryBind(source.Binding.Address, port) is not { } socket)
                {
                    continue;
                }

                var bound = ((IPEndPoint)socket.LocalEndPoint!).Port;
                var app = await EmbeddedWebHost.StartAsync(socket, listening => Build(source, listening, requests), cancellationToken).ConfigureAwait(false);

                if (bound != source.Binding.Port && source.Binding.Port != 0)
                {
                    logger.LogInformation("Dashboard port {Port} was taken; it listens on {Bound}", source.Binding.Port, bound);
                }

                return new KestrelDashboard(app, requests, $"http://{source.Binding.LinkHost}:{bound}/?token={source.Token}");
            }

            throw new InvalidOperationException(
                $"no port of {source.Binding.Address} from {source.Binding.Port} was free; set DashboardAddress to a free port, or port 0 for any");
        }
        catch
        {
            await requests.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static WebApplication Build(DashboardSource source, Socket socket, DashboardRequests requests)
    {
        var builder = EmbeddedWebHost.CreateBuilder(
            socket, _ => { }, EmbeddedWebHost.DashboardMaxConnections, _ => { },
            source.LoggerFactory.CreateLogger<KestrelDashboard>(), () => { });
        var app = builder.Build();
        app.Run(requests.HandleAsync);
        return app;
    }
}
