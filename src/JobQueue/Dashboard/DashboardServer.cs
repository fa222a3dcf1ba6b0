using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>
/// The running dashboard, implemented in the JobQueue.Dashboard assembly (ASP.NET Core) so that this library does not
/// need the ASP.NET Core runtime.
/// </summary>
internal abstract class DashboardServer : IAsyncDisposable
{
    /// <summary>The page's URL with its access token: for the caller, never for a log.</summary>
    public abstract string Link { get; }

    public abstract ValueTask DisposeAsync();
}

/// <summary>Starts a <see cref="DashboardServer"/>; the dashboard assembly's <c>JobQueue.Dashboard.KestrelDashboardFactory</c> is one.</summary>
internal abstract class DashboardFactory
{
    /// <exception cref="InvalidOperationException">No port of the binding could be bound.</exception>
    public abstract Task<DashboardServer> StartAsync(DashboardSource source, CancellationToken cancellationToken);
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
