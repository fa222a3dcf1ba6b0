using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting;

/// <summary>
/// Kestrel inside the user's process (the coordinator's gRPC server, the dashboard): it reads no configuration, takes
/// no Ctrl+C or SIGTERM from the program, stops within 2 s, and logs to the cluster's logger only what the user should
/// know. The caller binds the port first (<see cref="TryBind"/>, null when it is taken, so that the caller can try the
/// next one) and Kestrel takes the listening socket over.
/// </summary>
internal static class EmbeddedWebHost
{
    /// <summary>File descriptors kept for the process itself (assemblies it loads later, worker processes, files).</summary>
    private const int ReservedDescriptors = 64;

    /// <summary>
    /// The dashboard's open pages (each holds an event stream) and requests at once, so that a flood costs the process
    /// no more descriptors; the coordinator's server leaves them to it.
    /// </summary>
    public const int DashboardMaxConnections = 64;

    /// <summary>Connections accepted beyond a server's limit at once, on their way to being closed.</summary>
    private const int RejectedInFlight = 16;

    /// <summary>
    /// Connections the kernel may hold fully opened before Kestrel accepts them (it caps this at net.core.somaxconn,
    /// 4096 by default). Kestrel's 512 overflowed when 1,000 workers registered at once: the kernel dropped the SYNs it
    /// had no room for, and each of those workers waited the 1 s of TCP's first retransmission.
    /// </summary>
    public const int ListenBacklog = 4096;

    /// <summary>A builder with Kestrel listening on <paramref name="boundSocket"/>, holding at most <paramref name="maxConnections"/>.</summary>
    /// <param name="boundSocket">A socket from <see cref="TryBind"/>, which Kestrel takes over (and closes when it stops).</param>
    /// <param name="listen">Sets up the endpoint: protocols, TLS.</param>
    /// <param name="maxConnections">Connections held at once; more are closed as soon as they are accepted.</param>
    /// <param name="limits">Sets Kestrel's other limits.</param>
    /// <param name="logger">Where Kestrel's warnings and errors go.</param>
    /// <param name="connectionRejected">Called when Kestrel turns a connection away at its connection limit.</param>
    public static WebApplicationBuilder CreateBuilder(
        Socket boundSocket, Action<ListenOptions> listen, long maxConnections, Action<KestrelServerLimits> limits, ILogger logger, Action connectionRejected)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "JobQueue" });
        builder.Logging.AddProvider(new ClusterLogProvider(logger, connectionRejected));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = maxConnections;
            limits(kestrel.Limits);
            kestrel.Listen((IPEndPoint)boundSocket.LocalEndPoint!, listen);
        });
        builder.Services.Configure<SocketTransportOptions>(sockets =>
        {
            sockets.Backlog = ListenBacklog;
            sockets.CreateBoundListenSocket = _ => boundSocket;
        });
        // Registered after Kestrel's own socket transport, so Kestrel takes it first.
        builder.Services.AddSingleton<IConnectionListenerFactory>(services =>
            new AcceptThrottle(ActivatorUtilities.CreateInstance<SocketTransportFactory>(services), (int)Math.Min(int.MaxValue - RejectedInFlight, maxConnections) + RejectedInFlight));
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        return builder;
    }

    /// <summary>
    /// Builds the application on <paramref name="boundSocket"/> (a builder from <see cref="CreateBuilder"/>) and starts it;
    /// if either fails, disposes what exists of it and the socket, so that the port is free again.
    /// </summary>
    public static async Task<WebApplication> StartAsync(Socket boundSocket, Func<Socket, WebApplication> build, CancellationToken cancellationToken)
    {
        WebApplication? application = null;
        try
        {
            application = build(boundSocket);
            await application.StartAsync(cancellationToken).ConfigureAwait(false);
            return application;
        }
        catch
        {
            if (application is not null)
            {
                await application.DisposeAsync().ConfigureAwait(false);
            }

            boundSocket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A socket bound to <paramref name="address"/> and <paramref name="port"/> as Kestrel binds its own, and listening,
    /// so that connections wait in its queue until Kestrel takes it over; null when that port is taken.
    /// </summary>
    public static Socket? TryBind(IPAddress address, int port)
    {
        Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(address, port));
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return null;
        }

        try
        {
            socket.Listen(ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How many connections a server may hold so that the process keeps descriptors of its own: the open-file limit
    /// less those open now and a reserve, and less <paramref name="otherServers"/> held by the process's other servers.
    /// </summary>
    public static long ConnectionLimit(int otherServers)
    {
        // "Max open files            1024                 1048576              files"
        var line = File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(text => text.StartsWith("Max open files", StringComparison.Ordinal)) : null;
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: > 3 } || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var soft))
        {
            return 10_000; // no such file (not Linux) or "unlimited"
        }

        var open = Directory.GetFiles("/proc/self/fd").Length;
        return Math.Max(8, soft - open - ReservedDescriptors - RejectedInFlight - otherServers);
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Kestrel's warnings and errors go to the cluster's logger, except two it handles itself: a failed start (a port
    /// taken: the caller moves on) and a connection over the limit (counted, then logged once per interval).
    /// </summary>
    private sealed class ClusterLogProvider(ILogger target, Action connectionRejected) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) || categoryName.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
                ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : new Forwarding(target, connectionRejected);

        public void Dispose()
        {
        }

        private sealed class Forwarding(ILogger target, Action connectionRejected) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Name == "ConnectionRejected")
                {
                    connectionRejected();
                }
                else if (IsEnabled(logLevel))
                {
                    target.Log(logLevel, eventId, state, exception, formatter);
                }
            }
        }
    }
}
