namespace JobQueue.Benchmarks;

/// <summary>How a figure compares: which way is better, and the issue's must and target for it.</summary>
internal sealed record Metric(string Scenario, bool HigherIsBetter, double? Must = null, double? Target = null, int RequiredN = 0);

/// <summary>The one table: JobQueue, both dask modes, the ratio to the better dask, and the goals.</summary>
internal static class Report
{
    // The coordinator-on-gRPC issue's musts and targets (the transport is TLS 1.3 on every connection).
    private static readonly Metric[] Metrics =
    [
        new("throughput", HigherIsBetter: true, Must: 250_000),
        new("throughput_batched", HigherIsBetter: true, Must: 600_000, Target: 1_000_000),
        new("roundtrip_median", HigherIsBetter: false, Must: 200, Target: 80),
        new("roundtrip_p99", HigherIsBetter: false, Must: 400),
        new("efficiency", HigherIsBetter: true, Target: 98),
        new("startup", HigherIsBetter: false, Must: 0.4, Target: 0.25),
        new("startup_one_worker", HigherIsBetter: false),
        new("idle_worker_rss", HigherIsBetter: false, Must: 65, Target: 40),
        new("busy_worker_rss", HigherIsBetter: false),
        new("registration", HigherIsBetter: false, Must: 1, RequiredN: 1000),
        new("registration_coordinator_cpu", HigherIsBetter: false),
        new("queued_memory", HigherIsBetter: false, Target: 500),
        new("dashboard_ratio", HigherIsBetter: true, Target: 95),

        // Issue 17: client memory bounded by what the user keeps.
        new("map_20M_ints_rss", HigherIsBetter: false, Must: 1500),
        new("map_20M_ints", HigherIsBetter: true),
        new("mapstream_100M_rss", HigherIsBetter: false, Must: 1000),
        new("mapstream_100M", HigherIsBetter: true),

        // The data-at-scale issue: 8 workers fetching 512 MiB keep the client below 512 MiB + 256 MiB.
        new("fetch_512MiB_added_rss", HigherIsBetter: false, Must: 256),
        new("fetch_512MiB_peak_rss", HigherIsBetter: false),
        new("fetch_512MiB_seconds", HigherIsBetter: false),
    ];

    /// <summary>The failed scenarios and the measured musts that are not met; empty when all is well.</summary>
    public static List<string> Shortfalls(IReadOnlyList<Figure> figures) =>
    [
        .. figures.Where(figure => figure.Error is not null).Select(figure => $"{figure.Scenario} failed"),
        .. figures.Where(figure => figure.Error is null && Metric(figure) is { Must: { } must } metric && !Meets(metric, figure, must))
            .Select(figure => $"{figure.Scenario} must {Threshold(Metric(figure)!, Metric(figure)!.Must!.Value, figure.Unit)}"),
    ];

    public static void Print(IReadOnlyList<Figure> figures, IReadOnlyList<DaskRun> dask)
    {
        string[] header = ["scenario", "unit", "JobQueue", .. dask.Select(run => $"dask {run.Mode}"), "vs best dask", "goal"];
        var rows = figures.Select(figure =>
        {
            var baseline = dask.Select(run => run.Figures.GetValueOrDefault(figure.Scenario)).ToArray();
            return (string[])[figure.Scenario, figure.Unit, Cell(figure), .. baseline.Select(Cell), Ratio(figure, baseline), Goal(figure)];
        }).ToList();

        Console.WriteLine();
        Console.WriteLine("JobQueue against dask.distributed: LocalCluster of 2 worker processes x 1 thread on this machine");
        var widths = header.Select((_, column) => rows.Append(header).Max(row => row[column].Length)).ToArray();
        var numeric = Enumerable.Range(2, dask.Count + 2).ToHashSet();
        string Line(string[] row) => string.Join("  ", row.Select((cell, column) => numeric.Contains(column) ? cell.PadLeft(widths[column]) : cell.PadRight(widths[column]))).TrimEnd();
        Console.WriteLine(Line(header));
        Console.WriteLine(Line(widths.Select(width => new string('-', width)).ToArray()));
        rows.ForEach(row => Console.WriteLine(Line(row)));

        Console.WriteLine();
        Console.WriteLine("vs best dask: JobQueue against the better dask mode, turned so that above 1x means JobQueue is better.");
        foreach (var figure in figures)
        {
            Console.WriteLine($"  {figure.Scenario}: n = {figure.N:N0}; {figure.Error ?? figure.Note ?? ""}".TrimEnd(' ', ';'));
        }

        foreach (var run in dask)
        {
            if (run.Unavailable is not null)
            {
                Console.WriteLine($"dask baseline unavailable ({run.Mode}): {run.Unavailable}");
                continue;
            }

            var measured = run.Figures.Values.Where(figure => figures.Any(mine => mine.Scenario == figure.Scenario)).ToList();
            Console.WriteLine($"  dask {run.Mode}: {run.Versions}; n = {string.Join(", ", measured.Where(figure => figure.Error is null).Select(figure => $"{figure.Scenario} {figure.N:N0}"))}");
            foreach (var failed in measured.Where(figure => figure.Error is not null))
            {
                Console.WriteLine($"  dask {run.Mode} {failed.Scenario} failed: {failed.Error}");
            }
        }

        if (figures.Any(figure => figure.Scenario == "queued_memory") && dask.Any(run => run.Figures.ContainsKey("queued_memory")))
        {
            Console.WriteLine("  queued_memory: JobQueue counts the client's managed heap beyond the argument bytes; dask the RSS growth of a separate scheduler process.");
        }
    }

    private static Metric? Metric(Figure figure) => Metrics.FirstOrDefault(metric => metric.Scenario == figure.Scenario);

    private static bool Meets(Metric metric, Figure figure, double threshold) =>
        figure.Value is { } value
        && figure.N >= metric.RequiredN
        && (metric.HigherIsBetter ? value >= threshold : value <= threshold);

    private static string Cell(Figure? figure) => figure switch
    {
        null => "-",
        { Value: { } value } => figure.Unit switch
        {
            "tasks/s" or "bytes/task" => value.ToString("N0"),
            "s" => value.ToString("F3"),
            _ => value.ToString("F1"),
        },
        _ => "error",
    };

    private static string Ratio(Figure figure, Figure?[] baseline)
    {
        if (Metric(figure) is not { } metric || figure.Value is not { } mine || mine <= 0)
        {
            return "-";
        }

        var values = baseline.Where(other => other?.Value is > 0).Select(other => other!.Value!.Value).ToList();
        if (values.Count == 0)
        {
            return "-";
        }

        var ratio = metric.HigherIsBetter ? mine / values.Max() : values.Min() / mine;
        return ratio >= 10 ? $"{ratio:N0}x" : $"{ratio:0.0}x";
    }

    private static string Goal(Figure figure)
    {
        if (Metric(figure) is not { } metric)
        {
            return "";
        }

        var parts = new List<string>();
        if (metric.Must is { } must)
        {
            parts.Add($"must {Threshold(metric, must, figure.Unit)}: {(Meets(metric, figure, must) ? "met" : "NOT MET")}");
        }

        if (metric.Target is { } target)
        {
            parts.Add($"target {Threshold(metric, target, figure.Unit)}: {(Meets(metric, figure, target) ? "met" : "missed")}");
        }

        return string.Join("; ", parts);
    }

    private static string Threshold(Metric metric, double value, string unit) =>
        (metric.RequiredN > 0 ? $"all {metric.RequiredN:N0} within " : metric.HigherIsBetter ? ">= " : "<= ") + $"{value:#,0.###} {unit}";
}
