using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace JobQueue.Protocol;

/// <summary>
/// The coordinator's TLS certificate: ECDSA P-256, self-signed, made at start and kept in memory only. Workers pin
/// its SHA-256, which they read from the secret file, so no certificate authority is involved and none can be abused.
/// </summary>
internal sealed class ClusterCertificate : IDisposable
{
    private ClusterCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Sha256 = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>What workers pin: the SHA-256 of the certificate's DER encoding.</summary>
    public byte[] Sha256 { get; }

    public static ClusterCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=jobqueue-coordinator", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        // Used as made: on Linux, TLS takes the key from memory. The PKCS#12 round trip that Windows needs for that
        // cost 12 ms of every cluster's start (22 ms of the first), before any worker could be launched.
        return new ClusterCertificate(request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1)));
    }

    /// <summary>Whether <paramref name="presented"/> is the certificate whose hash is <paramref name="pinnedSha256"/>.</summary>
    public static bool Matches(X509Certificate? presented, byte[] pinnedSha256) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinnedSha256);

    public void Dispose() => Certificate.Dispose();
}
