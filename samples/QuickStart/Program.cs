using System.Diagnostics;
using JobQueue;
using Spectre.Console;

// What a scientist does first: print the batch script a cluster would submit and check it against the site's
// rules, then run real work on the embedded default, a LocalCluster of worker processes on this machine.
await using (var slurm = new SlurmCluster(new SlurmOptions
{
    Queue = "regular", Account = "myproj", Cores = 8, Memory = "24GB", Walltime = "02:00:00",
    JobScriptPrologue = ["module load dotnet", "export OMP_NUM_THREADS=1"],
}))
{
    AnsiConsole.MarkupLine("[bold]The Slurm job script for 8-core, 24 GB workers:[/]");
    AnsiConsole.WriteLine(slurm.JobScript());
}

const int Items = 5_000;
var started = Stopwatch.StartNew();
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
var connected = started.Elapsed;
AnsiConsole.MarkupLine($"[bold]Dashboard:[/] {Markup.Escape(cluster.DashboardLink ?? "none (see the log for why)")}");

var futures = cluster.Map((int x) => Math.Sqrt(x) * Math.Sin(x), Enumerable.Range(0, Items));
await ProgressDisplay.ShowAsync(futures); // a live bar in a terminal, plain lines in a log or notebook
var results = await cluster.Gather(futures);

AnsiConsole.MarkupLine($"[bold]Done:[/] {results.Length:N0} results, sum {results.Sum():F3}; workers connected after {connected.TotalSeconds:F2} s, all done after {started.Elapsed.TotalSeconds:F2} s.");
foreach (var worker in cluster.Workers)
{
    AnsiConsole.MarkupLine($"  {worker.Name} on {worker.Host} (pid {worker.ProcessId}): {worker.TasksDone:N0} tasks, {worker.ResidentMemory / 1e6:F0} MB");
}
