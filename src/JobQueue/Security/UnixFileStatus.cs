using System.Runtime.InteropServices;

namespace JobQueue.Security;

/// <summary>
/// Who owns a file and what its mode is, as <c>lstat</c> or <c>stat</c> say. .NET has no API for a file's owner,
/// so this calls Linux's <c>statx</c>, whose result has one layout on every architecture (unlike <c>struct stat</c>,
/// which would need a declaration per platform). Linux only: elsewhere nothing can be said about an owner.
/// </summary>
internal readonly partial record struct UnixFileStatus(uint Owner, UnixFileMode Permissions, UnixFileKind Kind)
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const int DoNotFollowLinks = 0x100; // AT_SYMLINK_NOFOLLOW
    private const uint TypeModeAndOwner = 0x1 | 0x2 | 0x8; // STATX_TYPE | STATX_MODE | STATX_UID

    /// <summary>Whether owners can be checked here at all.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The effective user id of this process: the one that owns what it creates.</summary>
    public static uint CurrentUser => IsSupported ? GetEffectiveUserId() : throw new PlatformNotSupportedException();

    /// <summary>The status of <paramref name="path"/> itself (a symbolic link is not followed), or null when nothing is there.</summary>
    /// <exception cref="IOException">The status cannot be read (e.g. a parent directory is not searchable).</exception>
    public static UnixFileStatus? OfLink(string path) => Read(path, DoNotFollowLinks);

    /// <summary>The status of what <paramref name="path"/> leads to, through symbolic links, or null when nothing is there.</summary>
    /// <exception cref="IOException">The status cannot be read.</exception>
    public static UnixFileStatus? Of(string path) => Read(path, 0);

    /// <summary>Whether users other than the owner (its group or everyone) may write to it.</summary>
    public bool OthersMayWrite => (Permissions & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    /// <summary>Whether users other than the owner may read or write it.</summary>
    public bool OthersMayAccess => (Permissions & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0;

    private static UnixFileStatus? Read(string path, int flags)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("File owners can only be read on Linux.");
        }

        if (StatX(CurrentDirectory, path, flags, TypeModeAndOwner, out var buffer) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is 2 or 20 ? null // ENOENT, ENOTDIR
                : throw new IOException($"Cannot read the status of {path}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        var kind = (buffer.Mode & 0xF000) switch
        {
            0x4000 => UnixFileKind.Directory,
            0x8000 => UnixFileKind.RegularFile,
            0xA000 => UnixFileKind.SymbolicLink,
            _ => UnixFileKind.Other,
        };
        return new UnixFileStatus(buffer.Owner, (UnixFileMode)(buffer.Mode & 0xFFF), kind);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int directory, string path, int flags, uint mask, out StatXBuffer buffer);

    /// <summary>The fields read from <c>struct statx</c> (256 bytes; uid at offset 20, mode at 28).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatXBuffer
    {
        [FieldOffset(20)] public uint Owner;
        [FieldOffset(28)] public ushort Mode;
    }
}

internal enum UnixFileKind
{
    Directory,
    RegularFile,
    SymbolicLink,
    Other,
}
