namespace JobQueue;

/// <summary>Where a <see cref="Future{T}"/> stands.</summary>
public enum FutureStatus
{
    /// <summary>Queued or running.</summary>
    Pending,

    /// <summary>The result arrived.</summary>
    Finished,

    /// <summary>The task threw, or its workers kept dying; see <see cref="Future.Exception"/>.</summary>
    Error,

    /// <summary>Cancelled before a result arrived.</summary>
    Cancelled,
}
