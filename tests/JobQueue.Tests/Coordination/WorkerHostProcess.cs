using System.Diagnostics;
using JobQueue.Submission;

namespace JobQueue.Tests.Coordination;

/// <summary>A WorkerHost started by hand, as a batch job would start it.</summary>
internal static class WorkerHostProcess
{
    /// <remarks>The worker logs to stderr; <c>errorLines</c> receives each line.</remarks>
    public static Process Start(IEnumerable<string> arguments, Action<string>? errorLines = null, bool redirectOutput = false)
    {
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = redirectOutput };
        startInfo.ArgumentList.Add(WorkerHostLocation.EntryAssembly);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                errorLines?.Invoke(line.Data);
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A secret file as the cluster writes one (0600): the secret, then the certificate hash workers pin.</summary>
    public static string SecretFile(string directory, byte[] secret, byte[] certificateSha256)
    {
        var path = Path.Combine(directory, "cluster.secret");
        File.WriteAllText(path, $"{Convert.ToHexString(secret)}\n{Convert.ToHexString(certificateSha256)}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
