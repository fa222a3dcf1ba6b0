using System.Diagnostics;
using Grpc.Core;
using JobQueue.JobScripts;
using JobQueue.Protocol;
using JobQueue.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// One worker: connects to the coordinator (again and again until the death timeout), proves it knows the secret,
/// and runs a <see cref="CoordinatorSession"/> on each connection, until one ends the worker or its client is gone.
/// </summary>
internal sealed class WorkerRuntime(WorkerCommandLine commandLine, ILogger logger, WorkerDeparture departure)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxConnectTime = TimeSpan.FromSeconds(10);

    /// <summary>A coordinator unheard of for this long (it sends a heartbeat every second) is taken for frozen or gone.</summary>
    private static readonly TimeSpan CoordinatorSilenceLimit = TimeSpan.FromSeconds(10);

    public async Task<WorkerExit> RunAsync(CancellationToken stopping)
    {
        ClusterKeys keys;
        try
        {
            keys = ClusterSecret.Read(commandLine.SecretFile);
        }
        catch (InvalidOperationException exception)
        {
            logger.LogError("{Reason}", exception.Message);
            return WorkerExit.BadSetup;
        }

        OutgoingInterface? from = null;
        try
        {
            from = commandLine.Interface is { } name ? OutgoingInterface.Find(name) : null;
        }
        catch (ArgumentException exception)
        {
            logger.LogError("{Reason}", exception.Message);
            return WorkerExit.BadSetup;
        }

        FileCache files;
        try
        {
            files = FileCache.ForNode(commandLine.LocalDirectory, logger);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Cannot keep shipped code in the local directory ({Reason}); give the worker a writable --local-directory", exception.Message);
            return WorkerExit.BadSetup;
        }

        using var ownedFiles = files;
        var address = new Uri(commandLine.Scheduler);
        var lastContact = Stopwatch.StartNew();
        using var parentGone = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var parentWatch = WatchParentAsync(parentGone);
        try
        {
            while (!parentGone.IsCancellationRequested && !departure.Leaving.IsCancellationRequested)
            {
                var remaining = commandLine.DeathTimeout - lastContact.Elapsed;
                try
                {
                    await using var connection = await CoordinatorConnection.OpenAsync(address, keys, Clamp(remaining), from, parentGone.Token).ConfigureAwait(false);
                    lastContact.Restart();
                    logger.LogInformation("Connected to {Address} as {Name}", commandLine.Scheduler, commandLine.Name);
                    var session = new CoordinatorSession(commandLine, connection, files, logger, departure, lastContact);
                    var ended = await session.RunAsync(parentGone.Token).ConfigureAwait(false);
                    if (ended is not null)
                    {
                        return ended.Value;
                    }

                    logger.LogWarning("Lost the coordinator at {Address}; reconnecting for up to {Seconds:0} s", commandLine.Scheduler, (commandLine.DeathTimeout - lastContact.Elapsed).TotalSeconds);
                }
                catch (WireProtocolException exception)
                {
                    logger.LogError("Refusing the coordinator at {Address}: {Reason}", commandLine.Scheduler, exception.Message);
                    return WorkerExit.UntrustedCoordinator;
                }
                catch (Exception exception) when (exception is RpcException or IOException or HttpRequestException && !parentGone.IsCancellationRequested)
                {
                    logger.LogDebug("No coordinator at {Address}: {Reason}", commandLine.Scheduler, exception.Message);
                }

                if (lastContact.Elapsed >= commandLine.DeathTimeout)
                {
                    logger.LogError("No coordinator at {Address} for {Seconds} s (death timeout); exiting", commandLine.Scheduler, commandLine.DeathTimeout.TotalSeconds);
                    return WorkerExit.CoordinatorGone;
                }

                await Task.Delay(ReconnectDelay, parentGone.Token).ConfigureAwait(false);
            }

            return WorkerExit.Done;
        }
        catch (Exception exception) when (parentGone.IsCancellationRequested && exception is OperationCanceledException or RpcException or IOException or HttpRequestException)
        {
            // Its client is gone, or it is stopping: a call cut short on the way is no failure.
            return WorkerExit.Done;
        }
        finally
        {
            await parentGone.CancelAsync().ConfigureAwait(false);
            await parentWatch.ConfigureAwait(false);
        }
    }

    // A connection attempt may take what is left of the death timeout, and no less than a moment.
    private static TimeSpan Clamp(TimeSpan remaining) => remaining < ReconnectDelay ? ReconnectDelay : remaining > MaxConnectTime ? MaxConnectTime : remaining;

    /// <summary>A LocalCluster's worker follows its client: when that process is gone, so is the worker.</summary>
    private async Task WatchParentAsync(CancellationTokenSource parentGone)
    {
        if (commandLine.ParentProcessId is not { } parent)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(parentGone.Token).ConfigureAwait(false))
            {
                if (!ProcessState.IsRunning(parent))
                {
                    logger.LogInformation("Client process {Pid} is gone; exiting", parent);
                    await parentGone.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
