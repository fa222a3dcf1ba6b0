using System.Diagnostics;
using JobQueue.Execution;

namespace JobQueue.Tests.Scripting;

public sealed class FileBasedAppTests
{
    [Fact]
    public async Task The_file_based_sample_runs_its_function_on_workers()
    {
        var app = Path.Combine(BuiltPrograms.Repository, "samples", "FileBasedApp", "squares.cs");
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet, ["run", app, "--", "1"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var run = Process.Start(startInfo)!;
        var errors = run.StandardError.ReadToEndAsync();
        var output = await run.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(5));
        await run.WaitForExitAsync();

        Assert.True(run.ExitCode == 0, $"dotnet run {app} exited with {run.ExitCode}: {output} {await errors}");
        Assert.Contains("1 2 5 10 17 26 37 50 65 82", output);
    }
}
