namespace JobQueue.Security;

/// <summary>
/// Whether a directory can be trusted to hold only what this user put there: nobody else may create, rename or
/// replace anything in it or in any directory on the way to it. The rule is the one OpenSSH applies to
/// <c>authorized_keys</c>: every directory from the root down is owned by this user or root and is not writable by
/// others, except a sticky one such as <c>/tmp</c>, where others may create entries but not rename this user's.
/// </summary>
internal static class SafeDirectory
{
    /// <summary>
    /// Why <paramref name="directory"/> is not safe, or null when it is. Its last <paramref name="privateLevels"/>
    /// components (the directory itself and the parents the caller made for itself) must moreover be real
    /// directories owned by this user and writable by nobody else. A missing component is not judged here.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">Owners cannot be read on this system.</exception>
    public static string? WhyUnsafe(string directory, int privateLevels)
    {
        var user = UnixFileStatus.CurrentUser;
        var level = 0;
        for (var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)); path is not null; path = Path.GetDirectoryName(path), level++)
        {
            if (UnixFileStatus.OfLink(path) is not { } status)
            {
                continue;
            }

            var reason = level < privateLevels ? WhyNotPrivate(path, status, user) : WhyNotTrusted(path, status, user);
            if (reason is not null)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? WhyNotPrivate(string path, UnixFileStatus status, uint user) =>
        status.Kind != UnixFileKind.Directory ? $"{path} is not a directory (a {status.Kind})"
        : status.Owner != user ? $"{path} belongs to user id {status.Owner}, not to this user ({user})"
        : status.OthersMayWrite ? $"{path} may be written by its group or others (mode {Mode(status)})"
        : null;

    // A parent may also be root's (as / and /tmp are) or a symbolic link that only its owner, this user or root,
    // can change; what the link leads to is judged as the parent itself would be.
    private static string? WhyNotTrusted(string path, UnixFileStatus status, uint user)
    {
        if (status.Owner != user && status.Owner != 0)
        {
            return $"{path} belongs to user id {status.Owner}, neither this user ({user}) nor root";
        }

        if (status.Kind == UnixFileKind.SymbolicLink)
        {
            return UnixFileStatus.Of(path) is { } target ? WhyNotTrusted(path + " (followed)", target, user) : $"{path} is a broken symbolic link";
        }

        return status.Kind != UnixFileKind.Directory ? $"{path} is not a directory (a {status.Kind})"
            : status.OthersMayWrite && (status.Permissions & UnixFileMode.StickyBit) == 0 ? $"{path} may be written by its group or others and is not sticky (mode {Mode(status)})"
            : null;
    }

    private static string Mode(UnixFileStatus status) => Convert.ToString((int)status.Permissions, 8).PadLeft(4, '0');
}
