using System.Globalization;

namespace JobQueue.Kernel.Display;

/// <summary>A cluster as dask's notebook widget shows one: kind, address, dashboard, workers and their resources, jobs by state.</summary>
internal static class ClusterView
{
    public static MimeBundle Of(Cluster cluster)
    {
        var kind = cluster.GetType().Name;
        if (cluster.IsClosed)
        {
            var closed = $"{kind}({cluster.Name}): closed";
            return new MimeBundle(closed, Html.Table(closed, []));
        }

        var workers = cluster.Workers;
        var rows = new List<(string, string)>
        {
            ("Kind", Html.Text(kind)),
            ("Address", Html.Text(cluster.Address ?? "not started")),
            ("Dashboard", cluster.DashboardLink is { } link ? Html.Link(link) : "none"),
            ("Workers", Count(workers.Count)),
            ("Threads", Count(workers.Sum(worker => worker.Threads))),
            ("Memory", Html.Text(string.Create(CultureInfo.InvariantCulture, $"{workers.Sum(worker => worker.MemoryLimit) / 1e9:0.##} GB"))),
        };
        if (cluster is JobQueueCluster batch)
        {
            var jobs = batch.Jobs.GroupBy(job => job.State).OrderBy(group => group.Key).Select(group => $"{group.Count()} {group.Key.ToString().ToLowerInvariant()}");
            rows.Add(("Jobs", Html.Text(string.Join(", ", jobs.DefaultIfEmpty("none")))));
            rows.Add(("Adapting", batch.IsAdapting ? "yes" : "no"));
        }

        return new MimeBundle(cluster.ToString() ?? kind, Html.Table($"{kind} {cluster.Name}", rows));
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
