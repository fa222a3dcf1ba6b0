namespace JobQueue;

/// <summary>
/// A task did not run because one of its inputs (a future passed as its argument, or the upstream item of a pipelined
/// <c>Map</c>) failed or was cancelled. <see cref="Input"/> names that input and <see cref="Exception.InnerException"/>
/// is what it failed with (for an input that itself waited on a failed input, another <see cref="DependencyFailedException"/>).
/// </summary>
public sealed class DependencyFailedException : Exception
{
    public DependencyFailedException(TaskKey input, Exception inputException)
        : base(inputException is OperationCanceledException
            ? $"The task's input ({input}) was cancelled, so the task did not run."
            : $"The task's input ({input}) failed, so the task did not run: {inputException.Message}", inputException) =>
        Input = input;

    /// <summary>The input that failed or was cancelled.</summary>
    public TaskKey Input { get; }
}
