using System.Security.Cryptography;

namespace JobQueue.Kernel.Protocol;

/// <summary>
/// Signs and checks messages with HMAC-SHA256 over the header, parent header, metadata and content frames, as the
/// connection file's key says. An empty key means Jupyter asked for no signatures.
/// </summary>
internal sealed class MessageSigner(string key)
{
    private readonly byte[] _key = System.Text.Encoding.UTF8.GetBytes(key);

    /// <summary>The signature frame for the four signed parts, in lowercase hex.</summary>
    public string Sign(ReadOnlySpan<byte[]> parts) => _key.Length == 0 ? "" : Convert.ToHexStringLower(Mac(parts));

    /// <summary>True when <paramref name="signature"/> is the parts' signature; compared in constant time.</summary>
    public bool IsValid(string signature, ReadOnlySpan<byte[]> parts)
    {
        if (_key.Length == 0)
        {
            return true;
        }

        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(claimed, Mac(parts));
    }

    private byte[] Mac(ReadOnlySpan<byte[]> parts)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        foreach (var part in parts)
        {
            hmac.AppendData(part);
        }

        return hmac.GetHashAndReset();
    }
}
