using System.Text.Json.Nodes;
using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Kernel;

/// <summary>samples/Notebooks/ClusterTour.ipynb, executed headless by nbconvert as a user would run it.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class SampleNotebookTests
{
    [JupyterFact("sbatch")]
    public async Task The_cluster_tour_runs_without_an_error_and_shows_results_the_cluster_the_progress_and_the_job_script()
    {
        using var jupyter = new Jupyter();
        await jupyter.InstallKernelAsync("--user");

        var notebook = await jupyter.ExecuteNotebookAsync(Path.Combine(BuiltPrograms.Repository, "samples", "Notebooks", "ClusterTour.ipynb"));

        var cells = notebook["cells"]!.AsArray().Where(cell => (string?)cell!["cell_type"] == "code").Select(cell => cell!["outputs"]!.AsArray()).ToList();
        var outputs = cells.SelectMany(cell => cell).ToList();
        Assert.DoesNotContain(outputs, output => (string?)output!["output_type"] == "error");
        Assert.Contains("<table>", Data(cells[0], "execute_result", "text/html"));
        Assert.Contains("LocalCluster", Data(cells[0], "execute_result", "text/html"));
        Assert.Contains("10 tasks: 10 done, 0 running, 0 queued, 0 failed (100 %)", Data(cells[1], "display_data", "text/plain"));
        Assert.Equal("[0, 7, 14, 21, 28, 35, 42, 49, 56, 63]", Data(cells[1], "execute_result", "text/plain"));
        Assert.Contains("<table>", Data(cells[2], "execute_result", "text/html"));
        Assert.Contains("#SBATCH --cpus-per-task=1", Text(cells[3]));
        var slurmRun = Text(cells[4]);
        Assert.Contains("3 squared is 9, computed in job ", slurmRun);
        Assert.Contains("SlurmCluster", Data(cells[5], "execute_result", "text/html"));
        Assert.Equal("LocalCluster(jobqueue-worker): closed", Data(cells[6], "execute_result", "text/plain"));
    }

    // nbformat stores multi-line strings as arrays of lines.
    private static string Join(JsonNode? value) =>
        value is JsonArray lines ? string.Concat(lines.Select(line => (string?)line)) : (string?)value ?? "";

    private static string Data(JsonArray outputs, string outputType, string mime) =>
        Join(outputs.Single(output => (string?)output!["output_type"] == outputType)!["data"]![mime]);

    private static string Text(JsonArray outputs) =>
        string.Concat(outputs.Where(output => (string?)output!["output_type"] == "stream").Select(output => Join(output!["text"])));
}
