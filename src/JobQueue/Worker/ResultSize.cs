using System.Globalization;
using JobQueue.Protocol;

namespace JobQueue.Worker;

/// <summary>The worker's side of <c>MapOptions.MaxResultSize</c>: an item whose result is larger fails at once, and nothing of it is sent.</summary>
internal static class ResultSize
{
    /// <exception cref="InvalidOperationException">The encoded result is over the map's limit; the message names the limit, the item and how to raise it.</exception>
    public static void Check(int size, TaskSpec partition, int item)
    {
        var limit = partition.MaxResultSize == 0 ? ChannelLimits.DefaultMaxResultSize : (long)partition.MaxResultSize;
        if (size > limit)
        {
            var suggested = string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(size / 1e6)}MB");
            throw new InvalidOperationException(
                $"The result of item {partition.FirstIndex + (ulong)item} of map {partition.Map} is {size} bytes encoded, over MapOptions.MaxResultSize ({limit} bytes); it was not sent. " +
                $"Raise the limit, e.g. new MapOptions {{ MaxResultSize = \"{suggested}\" }}, or return less (e.g. write large outputs to a shared file system and return their paths).");
        }
    }
}
