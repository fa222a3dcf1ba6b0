namespace JobQueue;

/// <summary>
/// A checkpoint cannot be used: it holds another function's results or a layout this version does not know, it
/// cannot be opened, or a result could not be stored in it.
/// </summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
