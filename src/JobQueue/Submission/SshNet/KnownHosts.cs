using System.Security.Cryptography;
using System.Text;

namespace JobQueue.Submission.SshNet;

/// <summary>
/// OpenSSH's known_hosts file, read for SSH.NET (which reads none): plain names, <c>[host]:port</c> entries, wildcard
/// and negated patterns, hashed <c>|1|salt|hash</c> names and <c>@revoked</c> keys. <c>@cert-authority</c> lines are
/// skipped: host certificates are not checked, so a host known only through a CA is unknown here.
/// </summary>
internal sealed class KnownHosts
{
    private readonly IReadOnlyList<Entry> _entries;

    private KnownHosts(string path, IReadOnlyList<Entry> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    /// <summary>Reads <paramref name="path"/>; a missing file knows no host.</summary>
    public static KnownHosts Read(string path)
    {
        var entries = new List<Entry>();
        if (!File.Exists(path))
        {
            return new KnownHosts(path, entries);
        }

        var lineNumber = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var fields = rawLine.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
            {
                continue;
            }

            var marker = fields[0].StartsWith('@') ? fields[0] : null;
            var rest = marker is null ? fields : fields[1..];
            if (marker is "@cert-authority" || (marker is not null and not "@revoked") || rest.Length < 3 || !TryDecode(rest[2], out var key))
            {
                continue;
            }

            entries.Add(new Entry(lineNumber, marker == "@revoked", rest[0].Split(','), rest[1], key));
        }

        return new KnownHosts(path, entries);
    }

    /// <summary>
    /// The key type a key blob names first (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, <c>ecdsa-sha2-nistp256</c>), as
    /// known_hosts writes it; the algorithm SSH.NET reports may differ (<c>rsa-sha2-512</c> signs with an ssh-rsa key).
    /// </summary>
    public static string KeyType(byte[] key) =>
        key.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(key) is var length && length > 0 && length <= key.Length - 4
            ? Encoding.ASCII.GetString(key, 4, length)
            : "unknown";

    /// <summary>What the file says of the host key <paramref name="key"/> (its wire form) offered by <paramref name="host"/>:<paramref name="port"/>.</summary>
    public HostKeyVerdict Check(string host, int port, byte[] key)
    {
        var keyType = KeyType(key);
        if (_entries.FirstOrDefault(entry => entry.Revoked && entry.Key.AsSpan().SequenceEqual(key)) is { } revoked)
        {
            return new HostKeyVerdict(HostKeyStatus.Revoked, revoked.Line);
        }

        var name = port == 22 ? host : $"[{host}]:{port}";
        var forHost = _entries.Where(entry => !entry.Revoked && entry.Matches(name)).ToList();
        if (forHost.Any(entry => entry.KeyType == keyType && entry.Key.AsSpan().SequenceEqual(key)))
        {
            return new HostKeyVerdict(HostKeyStatus.Known, null);
        }

        return forHost.FirstOrDefault(entry => entry.KeyType == keyType) is { } other
            ? new HostKeyVerdict(HostKeyStatus.Changed, other.Line)
            : new HostKeyVerdict(HostKeyStatus.Unknown, null);
    }

    private static bool TryDecode(string base64, out byte[] bytes)
    {
        bytes = new byte[base64.Length];
        if (Convert.TryFromBase64String(base64, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    private sealed record Entry(int Line, bool Revoked, string[] Patterns, string KeyType, byte[] Key)
    {
        // As OpenSSH: a matching negated pattern rules the entry out, whatever else matches.
        public bool Matches(string name)
        {
            var matched = false;
            foreach (var pattern in Patterns)
            {
                if (pattern.StartsWith('!'))
                {
                    if (Glob(pattern[1..], name))
                    {
                        return false;
                    }
                }
                else
                {
                    matched |= pattern.StartsWith("|1|", StringComparison.Ordinal) ? HashedMatches(pattern, name) : Glob(pattern, name);
                }
            }

            return matched;
        }

        // |1|base64(salt)|base64(HMAC-SHA1(salt, name)), the form `ssh-keygen -H` and HashKnownHosts write.
        private static bool HashedMatches(string pattern, string name)
        {
            var parts = pattern.Split('|');
            if (parts.Length != 4 || !TryDecode(parts[2], out var salt) || !TryDecode(parts[3], out var hash))
            {
                return false;
            }

            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)), hash);
        }

        // OpenSSH patterns: '*' any run of characters, '?' one character; host names compare without case.
        private static bool Glob(string pattern, string name) =>
            System.Text.RegularExpressions.Regex.IsMatch(
                name,
                "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
                TimeSpan.FromSeconds(1));
    }
}

internal enum HostKeyStatus
{
    Known,
    Unknown,
    Changed,
    Revoked,
}

/// <param name="Status">Whether the key is known, unknown, changed or revoked.</param>
/// <param name="Line">The known_hosts line of the other key (Changed) or of the revocation (Revoked).</param>
internal sealed record HostKeyVerdict(HostKeyStatus Status, int? Line);
