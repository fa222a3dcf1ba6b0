namespace JobQueue.Protocol;

/// <summary>The pace both ends keep so that each notices a dead or frozen peer in bounded time.</summary>
internal static class Liveness
{
    /// <summary>How often the coordinator and each worker send a heartbeat when they have nothing else to say.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>HTTP/2 pings on a quiet connection, after this long, catch a peer whose host vanished.</summary>
    public static readonly TimeSpan KeepAlivePingDelay = HeartbeatInterval * 5;

    /// <summary>A ping unanswered for this long drops the connection.</summary>
    public static readonly TimeSpan KeepAlivePingTimeout = HeartbeatInterval * 10;
}
