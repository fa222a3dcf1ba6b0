using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>The running dashboard of one cluster: a page at <see cref="Link"/> until it is disposed.</summary>
internal abstract class DashboardServer : IAsyncDisposable
{
    /// <summary>The page's URL with its access token: for the caller, never for a log.</summary>
    public abstract string Link { get; }

    public abstract ValueTask DisposeAsync();

    /// <summary>The started dashboard, or null (logged, in words) when it cannot start: the cluster runs without it.</summary>
    public static DashboardServer? TryStart(DashboardSource source, ILogger logger)
    {
        try
        {
            // Off any caller's synchronization context: the coordinator starts inside a lock, from any thread.
            var server = Task.Run(() => KestrelDashboardFactory.StartAsync(source, CancellationToken.None)).GetAwaiter().GetResult();
            // Without the token: logs are read by more people and programs than the caller who asked for the link.
            logger.LogInformation("Dashboard at {Address} (cluster.DashboardLink has the link with its token)", new Uri(server.Link).GetLeftPart(UriPartial.Path));
            return server;
        }
        catch (Exception exception)
        {
            logger.LogWarning("No dashboard: it could not start on {Address}: {Reason}", source.Binding.Address, exception.Message);
            return null;
        }
    }
}

/// <summary>
/// What a dashboard serves and where: <c>Token</c> is what every request must carry,
/// <c>Sample</c> takes a snapshot every <see cref="SampleInterval"/>, <c>JobLog</c> reads a batch job's log (null outside
/// a batch system).
/// </summary>
internal sealed record DashboardSource(
    DashboardBinding Binding, string Token, Func<DashboardSnapshot> Sample, Func<string, CancellationToken, Task<JobLog>>? JobLog, ILoggerFactory LoggerFactory)
{
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
