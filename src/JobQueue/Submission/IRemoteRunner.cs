namespace JobQueue.Submission;

/// <summary>A command runner on another host (SSH): what deploying the WorkerHost there needs beyond running commands.</summary>
internal interface IRemoteRunner : ICommandRunner
{
    /// <summary>Whether <paramref name="path"/> exists on the remote host.</summary>
    Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Copies <paramref name="files"/> into a new <paramref name="directory"/>, with an empty <paramref name="marker"/> file
    /// written last; the copy is made aside and renamed into place, so a half-copied directory is never seen. When another
    /// copy got there first, this one is dropped.
    /// </summary>
    Task UploadDirectoryAsync(string directory, IReadOnlyList<string> files, string marker, CancellationToken cancellationToken);
}
