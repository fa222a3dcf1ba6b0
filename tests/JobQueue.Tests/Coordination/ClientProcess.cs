using System.Diagnostics;
using JobQueue.Execution;

namespace JobQueue.Tests.Coordination;

/// <summary>The LocalClusterClient program (tests/LocalClusterClient): a user's program that a test starts, talks to and ends.</summary>
internal static class ClientProcess
{
    public static Process Start(params string[] arguments)
    {
        var clientDll = BuiltPrograms.EntryAssembly("tests/LocalClusterClient", "LocalClusterClient");
        return Process.Start(new ProcessStartInfo(WorkerHostLocation.Dotnet, [clientDll, .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false,
        })!;
    }
}
