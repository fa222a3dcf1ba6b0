using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using JobQueue.Protocol;

namespace JobQueue.Worker;

/// <summary>
/// A worker's call to the coordinator: HTTP/2 over TLS 1.3 to the certificate whose hash the secret file names (any
/// other ends the connection after the TLS hello, before anything is sent), then the mutual proof of the secret.
/// </summary>
internal sealed class CoordinatorConnection : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<FromWorker, ToWorker> _call;

    private CoordinatorConnection(GrpcChannel channel, AsyncDuplexStreamingCall<FromWorker, ToWorker> call)
    {
        _channel = channel;
        _call = call;
    }

    public IAsyncStreamReader<ToWorker> Input => _call.ResponseStream;

    public IClientStreamWriter<FromWorker> Output => _call.RequestStream;

    /// <summary>
    /// Starts loading, on a thread-pool thread, the system's CA certificates that the first TLS handshake would
    /// otherwise load on the way to the coordinator: .NET builds a chain before the pin check sees the certificate,
    /// and the first chain reads the whole trust store (here about 290 certificates, ~90 ms of CPU) even though the
    /// pin alone decides. On a node with a core to spare, that time then passes while the worker starts its logger
    /// and builds its channel: a LocalCluster of one worker on two cores reached it 46 ms sooner (median 0.41 s, not 0.46 s).
    /// </summary>
    public static void PreloadTrustStore() => ThreadPool.UnsafeQueueUserWorkItem(
        static _ =>
        {
            using var roots = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            roots.Open(OpenFlags.ReadOnly);
            foreach (var certificate in roots.Certificates)
            {
                certificate.Dispose();
            }
        },
        null);

    /// <summary>Connects, checks the certificate and the coordinator's proof, and proves this worker's.</summary>
    /// <param name="address">The coordinator, as <c>tcp://host:port</c>.</param>
    /// <param name="keys">The secret and the certificate hash, from the secret file.</param>
    /// <param name="connectTimeout">How long the TCP and TLS handshakes may take: a peer that accepts and never answers is given up on.</param>
    /// <param name="from">The interface to dial from (<c>--interface</c>), or null for the one the routing table picks.</param>
    /// <param name="cancellationToken">Ends the attempt.</param>
    /// <exception cref="WireProtocolException">The peer is not a coordinator of this cluster.</exception>
    public static async Task<CoordinatorConnection> OpenAsync(Uri address, ClusterKeys keys, TimeSpan connectTimeout, OutgoingInterface? from, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = Liveness.KeepAlivePingDelay,
            KeepAlivePingTimeout = Liveness.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            InitialHttp2StreamWindowSize = 16 << 20,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => ClusterCertificate.Matches(certificate, keys.CertificateSha256),
                // The pin alone decides, so the chain .NET builds for the callback needs no trust store: the
                // system's, loaded and sorted for every connection, cost more CPU than the rest of the handshake.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    DisableCertificateDownloads = true,
                },
            },
        };
        if (from is not null)
        {
            handler.ConnectCallback = (context, token) => from.ConnectAsync(context.DnsEndPoint, token);
        }

        var channel = GrpcChannel.ForAddress(new UriBuilder("https", address.Host, address.Port).Uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = ChannelLimits.MaxMessageSize,
            MaxSendMessageSize = ChannelLimits.MaxMessageSize,
        });
        var call = new WorkerChannel.WorkerChannelClient(channel).Connect(cancellationToken: cancellationToken);
        var connection = new CoordinatorConnection(channel, call);
        try
        {
            await Handshake.ProveToCoordinatorAsync(call.RequestStream, call.ResponseStream, keys, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (RpcException exception) when (exception.InnerException is HttpRequestException { InnerException: AuthenticationException })
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new WireProtocolException("The coordinator's certificate is not the one the secret file names; refusing to send it anything.", exception);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _call.Dispose();
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
