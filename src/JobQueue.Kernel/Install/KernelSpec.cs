using System.Text.Json;
using System.Text.Json.Nodes;

namespace JobQueue.Kernel.Install;

/// <summary>
/// Writes the kernelspec <c>jobqueue-csharp</c> where <c>jupyter kernelspec install</c> would put it, so Jupyter lists
/// "C# (JobQueue)". Its argv starts with absolute paths (dotnet and this kernel), so it starts whatever PATH the
/// Jupyter server has.
/// </summary>
internal static class KernelSpec
{
    public const string Name = "jobqueue-csharp";
    public const string DisplayName = "C# (JobQueue)";

    /// <summary>The kernels folder: <c>PREFIX/share/jupyter/kernels</c>, the user's (<c>$JUPYTER_DATA_DIR/kernels</c>, by default <c>~/.local/share/jupyter/kernels</c>), or the system's (<c>/usr/local/share/jupyter/kernels</c>).</summary>
    public static string KernelsDirectory(bool user, string? prefix)
    {
        if (prefix is not null)
        {
            return Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels");
        }

        if (!user)
        {
            return "/usr/local/share/jupyter/kernels";
        }

        var dataDirectory = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "jupyter");
        return Path.Combine(dataDirectory, "kernels");
    }

    /// <summary>Writes kernel.json into <c>KERNELS/jobqueue-csharp</c> and returns that folder.</summary>
    public static async Task<string> InstallAsync(string kernelsDirectory, IReadOnlyList<string> startCommand, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(kernelsDirectory, Name);
        Directory.CreateDirectory(directory);
        var spec = new JsonObject
        {
            ["argv"] = new JsonArray([.. startCommand.Select(part => (JsonNode)part), "start", "{connection_file}"]),
            ["display_name"] = DisplayName,
            ["language"] = "csharp",
            ["interrupt_mode"] = "message",
            ["metadata"] = new JsonObject { ["debugger"] = false },
        };
        await File.WriteAllTextAsync(Path.Combine(directory, "kernel.json"), spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken)
            .ConfigureAwait(false);
        return directory;
    }

    /// <summary>How to start this kernel again: the running host (dotnet) and this assembly, or the apphost when it runs as one.</summary>
    public static IReadOnlyList<string> CurrentStartCommand()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The kernel cannot tell its own program's path, so it cannot write a kernelspec.");
        var assembly = typeof(KernelSpec).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, assembly] : [InvokedPath(process) ?? process];
    }

    /// <summary>
    /// The path this program was started by when it is the tools folder's link to <paramref name="process"/>, else null.
    /// The linux-x64 tool package is an executable that <c>dotnet tool install</c> links from the tools folder into its
    /// versioned store there (<c>TOOLS/.store/…</c>): the link survives <c>dotnet tool update</c>, the store path it
    /// points to does not. A link from any other folder, which someone else may repoint later, is not taken.
    /// </summary>
    private static string? InvokedPath(string process)
    {
        var invoked = File.Exists("/proc/self/cmdline") ? File.ReadAllText("/proc/self/cmdline").Split('\0')[0] : "";
        var candidates = invoked.Contains('/')
            ? [Path.GetFullPath(invoked)]
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(directory => Path.Combine(Path.GetFullPath(directory), invoked));
        return invoked.Length == 0
            ? null
            : candidates.FirstOrDefault(candidate =>
                process.StartsWith(Path.Combine(Path.GetDirectoryName(candidate)!, ".store") + "/", StringComparison.Ordinal)
                && File.Exists(candidate) && File.ResolveLinkTarget(candidate, returnFinalTarget: true)?.FullName == process);
    }
}
