using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JobQueue.Tests.BatchSystems;
using static JobQueue.Tests.Kernel.KernelProtocolTests;

namespace JobQueue.Tests.Kernel;

/// <summary>Clusters in cells: interrupting the work a cell waits for, and what a shutdown leaves behind.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed partial class KernelClusterTests(InstalledKernel kernel) : IClassFixture<InstalledKernel>
{
    private readonly Jupyter _jupyter = kernel.Jupyter;

    [JupyterFact]
    public async Task An_interrupt_cancels_the_Gather_the_cell_waits_for_and_the_next_cell_runs_on_the_same_cluster()
    {
        var (results, _) = await _jupyter.DriveAsync(
        [
            Execute("var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2 });\nawait cluster.WaitForWorkersAsync(2);"),
            // The progress display shows when some tasks are done; the interrupt is sent then.
            Execute(
                "var slow = cluster.Map((int x) => { Thread.Sleep(100); return x; }, Enumerable.Range(0, 200));\n"
                + "var shown = ProgressDisplay.ShowAsync(slow);\nawait cluster.Gather(slow)",
                interruptWhen: @"tasks: [1-9][0-9]* done"),
            Execute("slow.Counts.Done"),
            Execute("await cluster.Gather(cluster.Map((int x) => x + 1, new[] { 1, 2, 3 }))"),
        ]);

        var interrupted = results[1]!["reply"]!;
        Assert.Equal("error", (string?)interrupted["status"]);
        Assert.Contains("Cancel", (string?)interrupted["ename"], StringComparison.Ordinal);
        Assert.Contains("interrupted", (string?)interrupted["evalue"], StringComparison.Ordinal);
        var done = int.Parse(Value(results[2]!)!, CultureInfo.InvariantCulture);
        Assert.InRange(done, 1, 99);
        Assert.Equal("[2, 3, 4]", Value(results[3]!));
    }

    [JupyterFact("sbatch")]
    public async Task A_shutdown_cancels_the_jobs_of_the_clusters_made_in_cells_and_removes_their_secrets()
    {
        var name = $"nb{Guid.NewGuid().ToString("N")[..10]}";
        var (results, log) = await _jupyter.DriveAsync(
        [
            Execute(
                $"var slurm = new SlurmCluster(new SlurmOptions {{ Name = \"{name}\", Queue = \"{LocalBatchSystems.Fact("SLURM_PARTITION")}\", "
                + "Cores = 1, Processes = 1, Memory = \"1GiB\", ListenAddress = \"127.0.0.1\" });\n"
                + "await slurm.ScaleAsync(jobs: 1);\nConsole.WriteLine(slurm.JobScript());\nstring.Join(\" \", slurm.Jobs.Select(job => job.Id))"),
            Execute("File.Exists(System.Text.RegularExpressions.Regex.Match(slurm.JobScript(), @\"--secret-file (\\S+)\").Groups[1].Value)"),
            new JsonObject { ["shutdown"] = true },
        ]);

        var jobIds = Value(results[0]!)!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(jobIds);
        var secretFile = SecretFile().Match(string.Concat(Outputs(results[0]!, "stream").Select(output => (string?)output["text"]))).Groups[1].Value;
        Assert.Equal("True", Value(results[1]!));
        Assert.True((bool?)results[2]!["shut_down"], log);

        Assert.False(File.Exists(secretFile), $"{secretFile} is still there");
        await TestClusterFactory.AssertBatchSystemListsNoneAsync(TestBatchSystem.Slurm, jobIds);
    }

    [GeneratedRegex(@"--secret-file (\S+)")]
    private static partial Regex SecretFile();
}
