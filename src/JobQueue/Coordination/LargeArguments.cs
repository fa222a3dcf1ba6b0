using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue.Coordination;

/// <summary>
/// Puts a task's encoded argument into the partition sent to a worker: inline when small; otherwise as a shipped
/// file the worker fetches in chunks, served only while the task still holds its argument.
/// </summary>
internal static class LargeArguments
{
    /// <summary>Adds the argument to <paramref name="spec"/>; returns the bytes it adds to the message.</summary>
    public static int Add(TaskSpec spec, byte[] argument)
    {
        if (argument.Length <= ChannelLimits.ValueChunkSize)
        {
            spec.Arguments.Add(UnsafeByteOperations.UnsafeWrap(argument));
            return argument.Length;
        }

        spec.ExternalArguments.Add(new ExternalArgument
        {
            Position = (uint)spec.Arguments.Count,
            File = ShippedFiles.AddWhileAlive($"argument of item {spec.FirstIndex + (ulong)spec.Arguments.Count} of map {spec.Map}", argument),
        });
        spec.Arguments.Add(ByteString.Empty);
        return 0;
    }
}
