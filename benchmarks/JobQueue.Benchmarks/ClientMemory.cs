namespace JobQueue.Benchmarks;

/// <summary>This process's peak resident memory (VmHWM), which the kernel lets a process reset for itself.</summary>
internal static class ClientMemory
{
    /// <summary>Starts a new peak from the memory resident now; false where the kernel does not allow it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The peak resident memory since the process started or since <see cref="ResetPeak"/>, in MB.</summary>
    public static double PeakMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").First(line => line.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
