namespace JobQueue.Options;

/// <summary>Paths that start with <c>~</c>, as users write them in options, expanded as a shell would.</summary>
internal static class HomePath
{
    /// <summary>The current user's home directory on this machine.</summary>
    public static string Local => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary><paramref name="path"/> with a leading <c>~</c> replaced by <paramref name="home"/> (default: <see cref="Local"/>).</summary>
    public static string Expand(string path, string? home = null) =>
        path == "~" ? home ?? Local
        : path.StartsWith("~/", StringComparison.Ordinal) ? $"{(home ?? Local).TrimEnd('/')}/{path[2..]}"
        : path;
}
