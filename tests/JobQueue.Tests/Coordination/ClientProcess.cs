using System.Diagnostics;
using JobQueue.Submission;

namespace JobQueue.Tests.Coordination;

/// <summary>The LocalClusterClient program (tests/LocalClusterClient): a user's program that a test starts, talks to and ends.</summary>
internal static class ClientProcess
{
    public static Process Start(params string[] arguments) => Run(WorkerHostLocation.Dotnet, [ClientDll, .. arguments]);

    /// <summary>The program under an open-file limit of <paramref name="openFiles"/> (the shell's <c>ulimit -n</c>).</summary>
    public static Process StartWithFileLimit(int openFiles, Action<string> errorLines, params string[] arguments) =>
        Run("bash", ["-c", $"ulimit -n {openFiles} && exec \"$0\" \"$@\"", WorkerHostLocation.Dotnet, ClientDll, .. arguments], errorLines);

    private static string ClientDll => BuiltPrograms.EntryAssembly("tests/LocalClusterClient", "LocalClusterClient");

    /// <summary>The program; its standard error goes to <paramref name="errorLines"/> when given.</summary>
    private static Process Run(string program, string[] arguments, Action<string>? errorLines = null)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = errorLines is not null, UseShellExecute = false,
        })!;
        if (errorLines is not null)
        {
            process.ErrorDataReceived += (_, line) =>
            {
                if (line.Data is not null)
                {
                    errorLines(line.Data);
                }
            };
            process.BeginErrorReadLine();
        }

        return process;
    }
}
