using System.Runtime.InteropServices;

namespace JobQueue.Benchmarks;

/// <summary>The process's open-file limit (RLIMIT_NOFILE), which many simultaneous connections can exceed.</summary>
internal static class FileLimit
{
    private const int NoFile = 7; // RLIMIT_NOFILE on Linux

    /// <summary>Raises the soft limit toward <paramref name="wanted"/> (never above the hard limit); returns the limit now in effect.</summary>
    public static ulong RaiseTo(ulong wanted)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(NoFile, out var limit) != 0)
        {
            return wanted; // no way to tell: assume it fits, as the connections will tell otherwise
        }

        if (limit.Current < wanted)
        {
            var raised = new RLimit { Current = Math.Min(wanted, limit.Maximum), Maximum = limit.Maximum };
            if (setrlimit(NoFile, in raised) == 0)
            {
                return raised.Current;
            }
        }

        return limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in RLimit limit);
}
