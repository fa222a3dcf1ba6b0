using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// Kestrel serving the workers' gRPC channel: HTTP/2 over TLS 1.3 only, with the cluster's own certificate, on the
/// first free port of the settings. Connections that have not authenticated are bounded in number and time, and the
/// process keeps file descriptors of its own however many connections knock.
/// </summary>
internal sealed class CoordinatorHost : IAsyncDisposable
{
    /// <summary>Values as large as this travel in one message, both ways, until large values travel as files.</summary>
    public const int MaxMessageSize = 64 << 20;

    private static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>File descriptors kept for the process itself (worker processes, files, the dashboard) when connections pile up.</summary>
    private const int ReservedDescriptors = 128;

    private readonly WebApplication _application;

    private CoordinatorHost(WebApplication application, int port)
    {
        _application = application;
        Port = port;
    }

    /// <summary>The port bound.</summary>
    public int Port { get; }

    /// <exception cref="InvalidOperationException">No port of <see cref="CoordinatorSettings.Ports"/> could be bound.</exception>
    public static async Task<CoordinatorHost> StartAsync(CoordinatorSettings settings, ClusterCertificate certificate, WorkerChannelService service, ILogger logger)
    {
        var address = IPAddress.Parse(settings.ListenAddress);
        var failures = new List<string>();
        foreach (var port in settings.Ports)
        {
            var application = Build(address, port, certificate, service, logger);
            try
            {
                await application.StartAsync().ConfigureAwait(false);
                var bound = application.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
                return new CoordinatorHost(application, new Uri(bound).Port);
            }
            catch (IOException exception)
            {
                failures.Add($"{port}: {exception.Message}");
                await application.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"The coordinator could not listen on {settings.ListenAddress} at any of its ports ({string.Join("; ", failures)}); set Port to a free port or range.");
    }

    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await _application.StopAsync(grace.Token).ConfigureAwait(false);
        }

        await _application.DisposeAsync().ConfigureAwait(false);
    }

    private static WebApplication Build(IPAddress address, int port, ClusterCertificate certificate, WorkerChannelService service, ILogger logger)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddProvider(new ForwardingLoggerProvider(logger, LogLevel.Warning));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            var limits = kestrel.Limits;
            limits.MaxConcurrentConnections = ConnectionLimit();
            limits.RequestHeadersTimeout = TlsHandshakeTimeout;
            limits.MinRequestBodyDataRate = null; // an idle worker's call sends nothing for long stretches
            limits.MinResponseDataRate = null;
            limits.Http2.InitialConnectionWindowSize = 16 << 20;
            limits.Http2.InitialStreamWindowSize = 16 << 20;
            limits.Http2.KeepAlivePingDelay = CoordinatorSettings.HeartbeatInterval * 5;
            limits.Http2.KeepAlivePingTimeout = CoordinatorSettings.HeartbeatInterval * 10;
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate.Certificate,
                    SslProtocols = SslProtocols.Tls13,
                    HandshakeTimeout = TlsHandshakeTimeout,
                });
            });
        });
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxMessageSize;
            grpc.MaxSendMessageSize = MaxMessageSize;
            grpc.EnableDetailedErrors = false;
        });
        builder.Services.AddSingleton(service);
        var application = builder.Build();
        application.MapGrpcService<WorkerChannelService>();
        return application;
    }

    /// <summary>How many connections Kestrel holds at once: what the descriptor limit allows beyond the process's own needs.</summary>
    private static long? ConnectionLimit()
    {
        // "Max open files            1024                 1048576              files"
        var line = File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(text => text.StartsWith("Max open files", StringComparison.Ordinal)) : null;
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: > 3 } && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var soft)
            ? Math.Max(16, soft - ReservedDescriptors)
            : null;
    }

    /// <summary>Kestrel's own warnings and errors (a listener that fails, a connection it drops) go to the cluster's log.</summary>
    private sealed class ForwardingLoggerProvider(ILogger target, LogLevel minimum) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Forwarding(target, minimum);

        public void Dispose()
        {
        }

        private sealed class Forwarding(ILogger target, LogLevel minimum) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && target.IsEnabled(logLevel);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    target.Log(logLevel, eventId, state, exception, formatter);
                }
            }
        }
    }
}
