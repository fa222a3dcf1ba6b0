using System.Diagnostics;
using System.Text.Json.Nodes;
using JobQueue.Tests.BatchSystems;
using JobQueue.Submission;

namespace JobQueue.Tests.Kernel;

/// <summary>
/// Debian's Jupyter (Python's jupyter_client and nbconvert, run with /usr/bin/python3) with this build's kernel
/// installed in a data directory of its own, as a user would install it.
/// </summary>
internal sealed class Jupyter : IDisposable
{
    public const string KernelName = "jobqueue-csharp";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("jupyter-data-");

    /// <summary>The Python that has Jupyter's modules (scripts/local/jupyter.sh writes it to the environment file).</summary>
    public static string Python => LocalBatchSystems.OptionalFact("JUPYTER_PYTHON") ?? "/usr/bin/python3";

    /// <summary>The kernelspec folder the install command wrote into.</summary>
    public string KernelsDirectory => Path.Combine(_dataDirectory.FullName, "kernels");

    /// <summary>Why Jupyter cannot run here, or null when it can.</summary>
    public static string? MissingReason() =>
        LocalBatchSystems.OptionalFact("JUPYTER_PYTHON") is null
            ? "Jupyter is not set up here: run 'bash scripts/setup-test-env.sh' (or scripts/local/jupyter.sh) as root."
            : null;

    /// <summary>Installs the kernel built with the tests, with its own install command, into this data directory.</summary>
    public async Task InstallKernelAsync(params string[] options)
    {
        var (code, output, errors) = await RunKernelAsync(["install", .. options]);
        Assert.True(code == 0, $"install exited with {code}: {output} {errors}");
    }

    /// <summary>Runs the kernel built with the tests with <paramref name="arguments"/>, as Jupyter or a user would.</summary>
    public Task<(int Code, string Output, string Errors)> RunKernelAsync(IReadOnlyList<string> arguments) =>
        RunAsync(WorkerHostLocation.Dotnet, [BuiltPrograms.EntryAssembly("src/JobQueue.Kernel", "JobQueue.Kernel"), .. arguments], input: null);

    /// <summary>Runs drive_kernel.py with <paramref name="steps"/>; returns one result per step and what the kernel logged.</summary>
    public async Task<(JsonArray Results, string Log)> DriveAsync(JsonArray steps)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Kernel", "drive_kernel.py");
        var (code, output, errors) = await RunAsync(Python, [script, KernelName], steps.ToJsonString());
        Assert.True(code == 0, $"drive_kernel.py exited with {code}: {errors}");
        return (JsonNode.Parse(output)!.AsArray(), errors);
    }

    /// <summary>Executes <paramref name="notebook"/> headless with nbconvert and returns the executed notebook.</summary>
    public async Task<JsonObject> ExecuteNotebookAsync(string notebook)
    {
        var executed = Path.Combine(_dataDirectory.FullName, "executed.ipynb");
        var (code, _, errors) = await RunAsync(
            Python,
            ["-m", "nbconvert", "--to", "notebook", "--execute", $"--ExecutePreprocessor.kernel_name={KernelName}", "--ExecutePreprocessor.timeout=300",
             notebook, "--output", executed],
            input: null);
        Assert.True(code == 0, $"nbconvert exited with {code}: {errors}");
        return JsonNode.Parse(await File.ReadAllTextAsync(executed))!.AsObject();
    }

    public void Dispose() => _dataDirectory.Delete(recursive: true);

    /// <summary>Runs <paramref name="program"/> with this data directory as JUPYTER_DATA_DIR and <paramref name="input"/> as its standard input.</summary>
    public async Task<(int Code, string Output, string Errors)> RunAsync(string program, IReadOnlyList<string> arguments, string? input)
    {
        var startInfo = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        startInfo.Environment["JUPYTER_DATA_DIR"] = _dataDirectory.FullName;
        using var process = Process.Start(startInfo)!;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await errors);
    }
}
