using Grpc.Core;
using JobQueue.Protocol;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// One authenticated worker's call from registration to its end: the writer loop of its outbox, the read loop that
/// hands each message to the coordinator, and whether its end was expected (told to leave) or a lost worker.
/// </summary>
internal sealed class WorkerCall(Coordinator coordinator, WorkerSession session, ILogger logger)
{
    public async Task ServeAsync(CancellationToken stopping)
    {
        coordinator.Join(session);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var writer = session.WriteLoopAsync(connection.Token);
        try
        {
            await ReadLoopAsync(connection.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested && !session.Dismissed && !session.Draining)
        {
            logger.LogWarning("Lost worker {Worker} ({Peer}): {Reason}", session.Name, session.Peer, Describe(exception));
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            // Told to shut down or drain, or leaving on its own: its call ends as it exits.
            logger.LogInformation("Worker {Worker} ({Peer}) left: {Reason}", session.Name, session.Peer, Describe(exception));
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException)
        {
            // The cluster is stopping.
        }
        finally
        {
            // The writer ends with the call, not only with the coordinator.
            session.Abort();
            await connection.CancelAsync().ConfigureAwait(false);
            await writer.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            coordinator.Leave(session);
        }
    }

    private static string Describe(Exception exception) => exception switch
    {
        RpcException rpc => rpc.Status.Detail is { Length: > 0 } detail ? detail : rpc.StatusCode.ToString(),
        OperationCanceledException => "its connection was dropped",
        _ => exception.Message,
    };

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (await session.ReadAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            session.LastHeard = Environment.TickCount64;
            switch (message.MessageCase)
            {
                case FromWorker.MessageOneofCase.Results:
                    coordinator.TakeResults(session, message.Results);
                    break;
                case FromWorker.MessageOneofCase.ValuePart:
                    coordinator.TakeValuePart(session, message.ValuePart);
                    break;
                case FromWorker.MessageOneofCase.Heartbeat:
                    coordinator.TakeHeartbeat(session, message.Heartbeat);
                    break;
                case FromWorker.MessageOneofCase.Fetch:
                    _ = coordinator.Files.SendAsync(session, [.. message.Fetch.Sha256], cancellationToken);
                    break;
                case FromWorker.MessageOneofCase.MemoryExceeded:
                    coordinator.TakeMemoryExceeded(session, message.MemoryExceeded);
                    break;
                case FromWorker.MessageOneofCase.Leaving:
                    coordinator.TakeLeaving(session);
                    logger.LogInformation("Worker {Worker} is leaving: {Reason}", session.Name, message.Leaving.Reason);
                    break;
                default:
                    throw new WireProtocolException($"Unexpected {message.MessageCase} message from a registered worker.");
            }
        }
    }
}
