using Grpc.Core;
using JobQueue.Protocol;
using Microsoft.AspNetCore.Http;

namespace JobQueue.Coordination;

/// <summary>
/// The gRPC side of a worker's call: admits a bounded number of callers at a time to prove they know the secret,
/// within a few seconds, and hands those that did, with their registration, to <c>serve</c> (the coordinator).
/// </summary>
internal sealed class WorkerChannelService(Func<WorkerSession, Task> serve, ClusterKeys keys, RefusalLog refusals) : WorkerChannel.WorkerChannelBase
{
    /// <summary>Callers proving themselves at once; more wait their turn within the handshake's time (a burst of workers starting together).</summary>
    public const int MaxUnauthenticated = 64;

    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _proving = new(MaxUnauthenticated, MaxUnauthenticated);

    public override async Task Connect(IAsyncStreamReader<FromWorker> requestStream, IServerStreamWriter<ToWorker> responseStream, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var peer = $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";
        Register registration;
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken))
        {
            handshake.CancelAfter(HandshakeTimeout);
            try
            {
                await _proving.WaitAsync(handshake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                refusals.Add(peer, $"{MaxUnauthenticated} other connections were proving themselves for as long as the handshake may take");
                http.Abort();
                return;
            }

            try
            {
                registration = await AuthenticateAsync(requestStream, responseStream, handshake.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WireProtocolException or OperationCanceledException or IOException or InvalidOperationException or RpcException)
            {
                refusals.Add(peer, exception is OperationCanceledException ? "it did not prove it knows the secret in time" : exception.Message);
                http.Abort();
                return;
            }
            finally
            {
                _proving.Release();
            }
        }

        await serve(new WorkerSession(requestStream, responseStream, http, registration, peer)).ConfigureAwait(false);
    }

    private async Task<Register> AuthenticateAsync(IAsyncStreamReader<FromWorker> input, IServerStreamWriter<ToWorker> output, CancellationToken cancellationToken)
    {
        await Handshake.AcceptWorkerAsync(input, output, keys, cancellationToken).ConfigureAwait(false);
        return await input.MoveNext(cancellationToken).ConfigureAwait(false) && input.Current.MessageCase == FromWorker.MessageOneofCase.Register
            ? input.Current.Register
            : throw new WireProtocolException("An authenticated peer did not register first.");
    }
}
