namespace JobQueue.Tests.Scripting;

public sealed class FileBasedAppTests
{
    [Fact]
    public async Task The_file_based_sample_runs_its_function_on_workers()
    {
        var app = Path.Combine(BuiltPrograms.Repository, "samples", "FileBasedApp", "squares.cs");

        var output = await BuiltPrograms.RunDotnetAsync(["run", app, "--", "1"], TimeSpan.FromMinutes(5));

        Assert.Contains("1 2 5 10 17 26 37 50 65 82", output);
    }
}
