using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using JobQueue.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// Kestrel serving the workers' gRPC channel: HTTP/2 over TLS 1.3 only, with the cluster's own certificate, on the
/// first free port of the settings. Connections that have not authenticated are bounded in number and time, and the
/// process keeps file descriptors of its own however many connections knock.
/// </summary>
/// <remarks>
/// The port is bound before Kestrel starts (185 ms in a process's first cluster), so that workers can be launched
/// meanwhile: their connections wait in the listen queue until Kestrel takes it over.
/// </remarks>
internal sealed class CoordinatorHost : IAsyncDisposable
{
    private static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly Task<WebApplication> _serving;

    private CoordinatorHost(Task<WebApplication> serving, int port)
    {
        _serving = serving;
        Port = port;
    }

    /// <summary>The port bound.</summary>
    public int Port { get; }

    /// <summary>Completes once Kestrel accepts connections; faults if it could not start.</summary>
    public Task Serving => _serving;

    /// <summary>Binds the first free port of the settings and starts Kestrel on it in the background.</summary>
    /// <exception cref="InvalidOperationException">No port of <see cref="CoordinatorSettings.Ports"/> could be bound.</exception>
    public static CoordinatorHost Start(CoordinatorSettings settings, ClusterCertificate certificate, WorkerChannelService service, RefusalLog refusals, ILogger logger)
    {
        var address = IPAddress.Parse(settings.ListenAddress);
        foreach (var port in settings.Ports)
        {
            if (TryBind(address, port) is { } socket)
            {
                var bound = ((IPEndPoint)socket.LocalEndPoint!).Port;
                // Off any caller's synchronization context (a notebook's, a UI's): the cluster starts this inside a lock.
                return new CoordinatorHost(Task.Run(() => ServeAsync(socket, address, bound, certificate, service, refusals, logger)), bound);
            }
        }

        throw new InvalidOperationException(
            $"The coordinator could not listen on {settings.ListenAddress} at any of its ports ({string.Join(", ", settings.Ports.Take(5))}{(settings.Ports.Count > 5 ? ", …" : "")} are taken); set Port to a free port or range.");
    }

    /// <exception cref="InvalidOperationException">The address is not this machine's, or the port is not ours to take.</exception>
    private static Socket? TryBind(IPAddress address, int port)
    {
        try
        {
            return EmbeddedWebHost.TryBind(address, port);
        }
        catch (SocketException exception)
        {
            throw new InvalidOperationException(
                $"The coordinator could not listen on {address} port {port}: {exception.Message}. Set ListenAddress to an address of this machine (or Interface to one of its network interfaces) and Port to a free port above 1023.",
                exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        WebApplication application;
        try
        {
            application = await _serving.ConfigureAwait(false);
        }
        catch
        {
            return; // it never served: ServeAsync closed the socket
        }

        await application.StopAsync().ConfigureAwait(false);
        await application.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<WebApplication> ServeAsync(
        Socket socket, IPAddress address, int port, ClusterCertificate certificate, WorkerChannelService service, RefusalLog refusals, ILogger logger)
    {
        try
        {
            return await EmbeddedWebHost.StartAsync(socket, bound => Build(bound, certificate, service, refusals, logger), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "The coordinator's server could not start on {Address}:{Port}", address, port);
            throw;
        }
    }

    private static WebApplication Build(Socket socket, ClusterCertificate certificate, WorkerChannelService service, RefusalLog refusals, ILogger logger)
    {
        var builder = EmbeddedWebHost.CreateBuilder(
            socket,
            listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate.Certificate,
                    SslProtocols = SslProtocols.Tls13,
                    HandshakeTimeout = TlsHandshakeTimeout,
                });
            },
            EmbeddedWebHost.ConnectionLimit(otherServers: EmbeddedWebHost.DashboardMaxConnections),
            limits =>
            {
                limits.RequestHeadersTimeout = TlsHandshakeTimeout;
                limits.MinRequestBodyDataRate = null; // an idle worker's call sends nothing for long stretches
                limits.MinResponseDataRate = null;
                limits.Http2.InitialConnectionWindowSize = 16 << 20;
                limits.Http2.InitialStreamWindowSize = 16 << 20;
                limits.Http2.KeepAlivePingDelay = Liveness.KeepAlivePingDelay;
                limits.Http2.KeepAlivePingTimeout = Liveness.KeepAlivePingTimeout;
            },
            logger,
            () => refusals.Add("", "the connection limit was reached (the open-file limit, ulimit -n, bounds it)"));
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = ChannelLimits.MaxMessageSize;
            grpc.MaxSendMessageSize = ChannelLimits.MaxMessageSize;
        });
        builder.Services.AddSingleton(service);
        var application = builder.Build();
        application.MapGrpcService<WorkerChannelService>();
        return application;
    }
}
