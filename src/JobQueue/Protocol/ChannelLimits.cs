namespace JobQueue.Protocol;

/// <summary>Limits both ends of the worker channel set alike.</summary>
internal static class ChannelLimits
{
    /// <summary>
    /// The largest message either side accepts (gRPC's default is 4 MB). User data never comes near it: values
    /// larger than <see cref="ValueChunkSize"/> travel outside the messages that carry or report their items.
    /// </summary>
    public const int MaxMessageSize = 64 << 20;

    /// <summary>
    /// An encoded argument, captured closure or result larger than this travels on its own, in chunks of this size
    /// (arguments and closures as shipped files the worker fetches, results as <c>ValuePart</c>s).
    /// </summary>
    public const int ValueChunkSize = 1 << 20;

    /// <summary>The inline values of one partition's result stay below this; later items of the partition travel on their own.</summary>
    public const int MaxInlineResultBytes = 8 << 20;

    /// <summary>What <c>MapOptions.MaxResultSize</c> is unless set: about the largest value one array can hold.</summary>
    public const long DefaultMaxResultSize = 2_000_000_000;
}
