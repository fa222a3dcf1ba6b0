using System.Diagnostics;

namespace JobQueue.Tests.JobScripts;

/// <summary>Runs a line of a job script in bash with the variables a batch system sets on the node.</summary>
internal static class NodeShell
{
    /// <summary>What <paramref name="command"/> printed, without the final line break; fails the test when bash fails.</summary>
    public static string Run(string command, params (string Name, string Value)[] environment)
    {
        var startInfo = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var bash = Process.Start(startInfo)!;
        var output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.True(bash.ExitCode == 0, bash.StandardError.ReadToEnd());
        return output.TrimEnd('\n');
    }
}
