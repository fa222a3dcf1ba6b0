using System.Diagnostics;
using JobQueue.Submission;

namespace JobQueue.Tests;

/// <summary>Programs of this repository that the tests run: built with the tests (references without their assembly), or sources.</summary>
internal static class BuiltPrograms
{
    private static readonly string Output = AppContext.BaseDirectory.TrimEnd('/');

    /// <summary>The repository's root: the tests run from tests/JobQueue.Tests/bin/&lt;configuration&gt;/&lt;framework&gt;.</summary>
    public static string Repository { get; } = Path.GetFullPath(Path.Combine(Output, "..", "..", "..", "..", ".."));

    /// <summary>The entry assembly of the project in <paramref name="projectDirectory"/> (from the repository root), built as the tests were.</summary>
    public static string EntryAssembly(string projectDirectory, string assemblyName)
    {
        var (framework, configuration) = (Path.GetFileName(Output), Path.GetFileName(Path.GetDirectoryName(Output)!));
        return Path.Combine(Repository, projectDirectory, "bin", configuration, framework, assemblyName + ".dll");
    }

    /// <summary>
    /// The standard output of <c>dotnet</c> with <paramref name="arguments"/>, which must exit with code 0;
    /// <paramref name="deadline"/> only bounds a run that hangs, whose process tree is then killed.
    /// <paramref name="configure"/> may set the working directory and environment.
    /// </summary>
    public static async Task<string> RunDotnetAsync(IReadOnlyList<string> arguments, TimeSpan deadline, Action<ProcessStartInfo>? configure = null)
    {
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        configure?.Invoke(startInfo);
        using var run = Process.Start(startInfo)!;
        var errors = run.StandardError.ReadToEndAsync();
        string output;
        try
        {
            output = await run.StandardOutput.ReadToEndAsync().WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            run.Kill(entireProcessTree: true);
            throw;
        }

        await run.WaitForExitAsync();
        Assert.True(run.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {run.ExitCode}: {output} {await errors}");
        return output;
    }
}
