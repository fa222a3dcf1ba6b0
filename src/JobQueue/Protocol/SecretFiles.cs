using System.Globalization;
using Microsoft.Extensions.Logging;

namespace JobQueue.Protocol;

/// <summary>
/// Who a secret file belongs to, recorded beside it as <c>&lt;id&gt;.owner</c> (<c>host pid start-time</c>), so a
/// cluster starting later can remove the secrets of clusters whose process was killed and never cleaned up. A secret
/// of another host is never touched: a home directory shared by several login nodes holds their live secrets too.
/// </summary>
internal static class SecretFiles
{
    private const string SecretExtension = ".secret";
    private const string OwnerExtension = ".owner";

    /// <summary>Writes the owner record of <paramref name="secretPath"/>: this host, this process and its start time.</summary>
    public static void RecordOwner(string secretPath, FileStreamOptions privateCreation)
    {
        var record = $"{Environment.MachineName} {Environment.ProcessId} {StartTime(Environment.ProcessId)}\n";
        using var file = new FileStream(OwnerPath(secretPath), privateCreation);
        file.Write(System.Text.Encoding.ASCII.GetBytes(record));
    }

    public static void Remove(string secretPath)
    {
        File.Delete(secretPath);
        File.Delete(OwnerPath(secretPath));
    }

    /// <summary>Removes the secrets in <paramref name="directory"/> whose owner record names a process of this host that no longer runs.</summary>
    public static void RemoveStale(string directory, ILogger logger)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var owner in Directory.EnumerateFiles(directory, "*" + OwnerExtension))
        {
            try
            {
                var fields = File.ReadAllText(owner).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (fields is [var host, var pidText, var start] && host == Environment.MachineName
                    && int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && StartTime(pid) != start)
                {
                    var secret = Path.ChangeExtension(owner, SecretExtension);
                    Remove(secret);
                    logger.LogInformation("Removed the secret file {Path} of process {Pid}, which no longer runs on this host", secret, pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another cluster starting at the same moment removed it first, or it is not ours to remove.
            }
        }
    }

    private static string OwnerPath(string secretPath) => Path.ChangeExtension(secretPath, OwnerExtension);

    /// <summary>
    /// When process <paramref name="pid"/> started, in clock ticks since boot (field 22 of <c>/proc/&lt;pid&gt;/stat</c>),
    /// so a pid the system gave to a new process does not pass for the old one; "gone" when no such process runs.
    /// </summary>
    private static string StartTime(int pid)
    {
        try
        {
            if (File.Exists("/proc/self/stat"))
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                // The command name (field 2) is in parentheses and may hold spaces; the fields after it are plain.
                return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
            }

            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            return "gone";
        }
    }
}
