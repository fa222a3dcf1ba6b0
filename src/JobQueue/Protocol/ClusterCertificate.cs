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
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        // SslStream wants a key it can hand to the platform's TLS; a PKCS#12 round trip in memory gives it one.
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return new ClusterCertificate(X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12, password), password));
    }

    /// <summary>Whether <paramref name="presented"/> is the certificate whose hash is <paramref name="pinnedSha256"/>.</summary>
    public static bool Matches(X509Certificate? presented, byte[] pinnedSha256) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinnedSha256);

    public void Dispose() => Certificate.Dispose();
}
