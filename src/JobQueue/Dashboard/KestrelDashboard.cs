using Microsoft.AspNetCore.Builder;

namespace JobQueue.Dashboard;

/// <summary>The dashboard of one cluster, served by Kestrel until the cluster is disposed.</summary>
internal sealed class KestrelDashboard(WebApplication app, DashboardRequests requests, string link) : DashboardServer
{
    public override string Link { get; } = link;

    public override async ValueTask DisposeAsync()
    {
        // The open event streams end first, so that stopping does not wait for them.
        await requests.DisposeAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
