namespace JobQueue.Protocol;

/// <summary>What a worker learns from the secret file: the secret both sides prove, and the certificate it pins.</summary>
/// <param name="Secret">32 random bytes, per cluster.</param>
/// <param name="CertificateSha256">The SHA-256 of the coordinator's TLS certificate.</param>
internal sealed record ClusterKeys(byte[] Secret, byte[] CertificateSha256);
