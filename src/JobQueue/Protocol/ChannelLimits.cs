namespace JobQueue.Protocol;

/// <summary>Limits both ends of the worker channel set alike.</summary>
internal static class ChannelLimits
{
    /// <summary>Values as large as this travel in one message, both ways, until large values travel as files (gRPC's default is 4 MB).</summary>
    public const int MaxMessageSize = 64 << 20;
}
