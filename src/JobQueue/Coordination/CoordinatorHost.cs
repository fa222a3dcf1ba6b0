using System.Net;
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
internal sealed class CoordinatorHost : IAsyncDisposable
{
    private static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _application;

    private CoordinatorHost(WebApplication application, int port)
    {
        _application = application;
        Port = port;
    }

    /// <summary>The port bound.</summary>
    public int Port { get; }

    /// <exception cref="InvalidOperationException">No port of <see cref="CoordinatorSettings.Ports"/> could be bound.</exception>
    public static async Task<CoordinatorHost> StartAsync(CoordinatorSettings settings, ClusterCertificate certificate, WorkerChannelService service, RefusalLog refusals, ILogger logger)
    {
        var address = IPAddress.Parse(settings.ListenAddress);
        foreach (var port in settings.Ports)
        {
            var application = Build(address, port, certificate, service, refusals, logger);
            if (await EmbeddedWebHost.TryStartAsync(application, CancellationToken.None).ConfigureAwait(false) is { } bound)
            {
                return new CoordinatorHost(application, bound);
            }
        }

        throw new InvalidOperationException(
            $"The coordinator could not listen on {settings.ListenAddress} at any of its ports ({string.Join(", ", settings.Ports.Take(5))}{(settings.Ports.Count > 5 ? ", …" : "")} are taken); set Port to a free port or range.");
    }

    public async ValueTask DisposeAsync()
    {
        await _application.StopAsync().ConfigureAwait(false);
        await _application.DisposeAsync().ConfigureAwait(false);
    }

    private static WebApplication Build(IPAddress address, int port, ClusterCertificate certificate, WorkerChannelService service, RefusalLog refusals, ILogger logger)
    {
        var builder = EmbeddedWebHost.CreateBuilder(
            address, port,
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
