using System.Diagnostics;
using JobQueue.Submission;

namespace JobQueue.Tests.Scripting;

public sealed class ReplTests
{
    [Fact]
    public async Task Cells_typed_line_by_line_run_a_function_from_an_earlier_cell_on_the_workers()
    {
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet, [BuiltPrograms.EntryAssembly("samples/Repl", "jobqueue-repl")])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        using var repl = Process.Start(startInfo)!;
        string[] cells =
        [
            "var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = \"repl\" });",
            "int factor = 3;",
            "Func<int, int> triple = x =>",
            "    x * factor;",
            "await cluster.Gather(cluster.Map(triple, Enumerable.Range(0, 5)))",
            "await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60)); cluster.Workers.Count",
        ];
        foreach (var line in cells)
        {
            await repl.StandardInput.WriteLineAsync(line);
        }

        repl.StandardInput.Close();
        var output = await repl.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(120));
        await repl.WaitForExitAsync();

        Assert.Contains("[0, 3, 6, 9, 12]", output);
        Assert.Contains("\n2\n", output.ReplaceLineEndings("\n"));
        Assert.Equal(0, repl.ExitCode);
    }
}
