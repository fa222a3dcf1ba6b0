using System.Runtime.InteropServices;

namespace JobQueue.Submission;

/// <summary>Where the WorkerHost is: next to this library, run by the dotnet host that runs this process.</summary>
internal static class WorkerHostLocation
{
    /// <summary>The dotnet host, or plain <c>dotnet</c> (found on PATH) when this process was not started by one.</summary>
    public static string Dotnet { get; } = Path.Combine(Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")), "dotnet") is var host && File.Exists(host)
        ? host
        : "dotnet";

    public static string EntryAssembly { get; } = Path.Combine(
        Path.GetDirectoryName(typeof(WorkerHostLocation).Assembly.Location) is { Length: > 0 } directory ? directory : AppContext.BaseDirectory,
        "WorkerHost.dll");

    /// <exception cref="InvalidOperationException">The WorkerHost was not built next to the library.</exception>
    public static void EnsureExists()
    {
        if (!File.Exists(EntryAssembly))
        {
            throw new InvalidOperationException(
                $"{EntryAssembly} does not exist. Reference src/JobQueue/JobQueue.csproj with a ProjectReference: building your program then puts the WorkerHost next to it.");
        }
    }
}
