using System.Diagnostics;
using JobQueue.Execution;

namespace JobQueue.Tests.Coordination;

/// <summary>tests/LocalClusterClient: a user's program in a process of its own, for tests that kill it.</summary>
internal static class ClientProgram
{
    public static Process Start(params string[] arguments)
    {
        var output = AppContext.BaseDirectory.TrimEnd('/');
        var (framework, configuration) = (Path.GetFileName(output), Path.GetFileName(Path.GetDirectoryName(output)!));
        var clientDll = Path.GetFullPath(Path.Combine(output, "..", "..", "..", "..", "LocalClusterClient", "bin", configuration, framework, "LocalClusterClient.dll"));
        return Process.Start(new ProcessStartInfo(WorkerHostLocation.Dotnet, [clientDll, .. arguments]) { RedirectStandardOutput = true, UseShellExecute = false })!;
    }
}
