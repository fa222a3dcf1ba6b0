using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using JobQueue.Benchmarks;

// Measures JobQueue's LocalCluster and coordinator, runs the dask baseline, and prints one table.
// Exit code 0 when every must that was measured is met and no scenario failed, 1 otherwise, 2 for bad arguments.
const string Usage = "usage: dotnet run -c Release --project benchmarks/JobQueue.Benchmarks [--quick] [--no-dask] [--scenario NAME]";
// Each scenario takes seconds; one that hangs must not keep the program from ending.
var scenarioLimit = TimeSpan.FromMinutes(10);

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args is [Registration.ChildFlag, var address, var secretFile, var count])
{
    return await Registration.RunSimulatedWorkersAsync(address, secretFile, int.Parse(count, CultureInfo.InvariantCulture));
}

var quick = false;
var withDask = true;
string? only = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            quick = true;
            break;
        case "--no-dask":
            withDask = false;
            break;
        case "--scenario" when i + 1 < args.Length:
            only = args[++i];
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage);
            Console.WriteLine($"scenarios: {string.Join(", ", Scenarios.All.Select(scenario => scenario.Group))} (or a figure's name, e.g. roundtrip_p99)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}\n{Usage}");
            return 2;
    }
}

var selected = Scenarios.All.Where(scenario => only is null || scenario.Group == only || scenario.Figures.Contains(only)).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no scenario {only}; there are {string.Join(", ", Scenarios.All.Select(scenario => scenario.Group))}");
    return 2;
}

Console.Error.WriteLine($"[bench] .NET {Environment.Version}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC{(quick ? ", quick" : "")}");
var total = Stopwatch.StartNew();
var figures = new List<Figure>();
foreach (var scenario in selected)
{
    figures.AddRange(await RunAsync(scenario));
}

var jobQueueTime = total.Elapsed;
var dask = new List<DaskRun>();
var repository = FindRepository();
if (withDask)
{
    foreach (var mode in (string[])["default", "tuned"])
    {
        Console.Error.WriteLine($"[bench] dask baseline, mode {mode} ...");
        dask.Add(await DaskBaseline.RunAsync(repository, mode, quick, only is null ? null : selected[0].Group));
    }
}

Report.Print(figures, dask);
if (dask.Any(run => run.Unavailable is not null)
    && File.Exists(DaskBaseline.ScriptPath(repository)) && File.Exists(Path.Combine(repository, "scripts", "setup-benchmarks.sh")))
{
    Console.WriteLine("The dask baseline needs Debian's python3-distributed: run `bash scripts/setup-benchmarks.sh` as root, then this again.");
}

Console.WriteLine($"run time {total.Elapsed.TotalSeconds:F0} s (JobQueue {jobQueueTime.TotalSeconds:F0} s, dask {(total.Elapsed - jobQueueTime).TotalSeconds:F0} s)");
var shortfalls = Report.Shortfalls(figures);
Console.WriteLine(shortfalls.Count == 0 ? "Every must that was measured is met." : $"Not met: {string.Join("; ", shortfalls)}.");
return shortfalls.Count == 0 ? 0 : 1;

async Task<Figure[]> RunAsync(Scenario scenario)
{
    Console.Error.WriteLine($"[bench] {scenario.Group} ...");
    var started = Stopwatch.StartNew();
    using var watchdog = new Timer(
        _ =>
        {
            Console.Error.WriteLine($"[bench] {scenario.Group} did not finish within {scenarioLimit.TotalMinutes} minutes; stopping");
            Environment.Exit(1);
        },
        null, scenarioLimit, Timeout.InfiniteTimeSpan);
    try
    {
        var result = await scenario.Run(quick);
        Console.Error.WriteLine($"[bench] {scenario.Group} done in {started.Elapsed.TotalSeconds:F1} s: {string.Join(", ", result.Select(figure => $"{figure.Scenario} {figure.Value:0.###} {figure.Unit}"))}");
        return result;
    }
    catch (Exception exception)
    {
        Console.Error.WriteLine($"[bench] {scenario.Group} failed: {exception}");
        return scenario.Figures.Select((name, index) => new Figure(name, null, scenario.Units[index], 0, Error: $"{exception.GetType().Name}: {exception.Message}")).ToArray();
    }
}

// The repository holds benchmarks/dask; this program runs from somewhere below it (bin/Release/net10.0).
static string FindRepository()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "JobQueue.sln")))
        {
            return directory.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
