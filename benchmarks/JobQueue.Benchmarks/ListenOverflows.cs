using System.Globalization;

namespace JobQueue.Benchmarks;

/// <summary>
/// How many connections the kernel turned away because a listen queue was full (TcpExt ListenOverflows): each such
/// connection's SYN is dropped, and its client waits a second for TCP to send it again.
/// </summary>
internal static class ListenOverflows
{
    /// <summary>The count since boot, for all of this machine's sockets; null where /proc/net/netstat does not say.</summary>
    public static long? Count()
    {
        // Two lines per group: "TcpExt: SyncookiesSent ... ListenOverflows ..." then "TcpExt: 0 ... 29 ...".
        var lines = File.Exists("/proc/net/netstat") ? File.ReadAllLines("/proc/net/netstat") : [];
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].StartsWith("TcpExt:", StringComparison.Ordinal))
            {
                var column = Array.IndexOf(lines[i].Split(' '), "ListenOverflows");
                var values = lines[i + 1].Split(' ');
                return column > 0 && column < values.Length ? long.Parse(values[column], CultureInfo.InvariantCulture) : null;
            }
        }

        return null;
    }
}
