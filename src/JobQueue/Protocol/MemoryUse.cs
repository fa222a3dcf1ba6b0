using System.Globalization;

namespace JobQueue.Protocol;

/// <summary>Amounts of memory as the worker and the coordinator write them in logs and errors, in the decimal units users give limits in.</summary>
internal static class MemoryUse
{
    /// <summary>E.g. <c>291 MB</c> or <c>11.2 GB</c>.</summary>
    public static string Text(long bytes) => bytes >= 1_000_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.#} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0} MB");
}
