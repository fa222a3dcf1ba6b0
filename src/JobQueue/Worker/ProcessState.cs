using System.Diagnostics;

namespace JobQueue.Worker;

/// <summary>Whether a process still runs.</summary>
internal static class ProcessState
{
    /// <summary>
    /// True while <paramref name="processId"/> runs. A zombie counts as gone: where no init reaps orphans (containers),
    /// a dead process can linger in the process table indefinitely.
    /// </summary>
    public static bool IsRunning(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // /proc/<pid>/stat: "pid (command) state ...", and the command may itself hold spaces or parentheses.
                var stat = File.ReadAllText($"/proc/{processId}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
                return state.Length > 0 && state[0] is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
