using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace JobQueue.Coordination.Protocol;

/// <summary>
/// Mutual challenge-response: each side sends a fresh nonce and proves it knows the cluster secret with an HMAC over
/// both nonces and its role. Workers run what the coordinator sends, so the worker checks the coordinator too.
/// </summary>
internal static class Handshake
{
    public const uint ProtocolVersion = 1;
    private const int NonceSize = 32;
    private static readonly byte[] CoordinatorRole = Encoding.ASCII.GetBytes("jobqueue coordinator");
    private static readonly byte[] WorkerRole = Encoding.ASCII.GetBytes("jobqueue worker");

    /// <summary>The worker's side; returns once both proofs checked out.</summary>
    /// <exception cref="WireProtocolException">The peer is not a coordinator of this cluster.</exception>
    public static async Task ProveToCoordinatorAsync(FrameStream frames, byte[] secret, CancellationToken cancellationToken)
    {
        var workerNonce = RandomNumberGenerator.GetBytes(NonceSize);
        await frames.WriteAsync(new WorkerHello { ProtocolVersion = ProtocolVersion, Nonce = ByteString.CopyFrom(workerNonce) }, cancellationToken).ConfigureAwait(false);
        var hello = await frames.ReadAsync(CoordinatorHello.Parser, FrameStream.HandshakeFrameSize, cancellationToken).ConfigureAwait(false)
            ?? throw new WireProtocolException("The coordinator closed the connection during the handshake; is the secret file the cluster's?");
        CheckVersion(hello.ProtocolVersion, "coordinator");
        var coordinatorNonce = Nonce(hello.Nonce, "coordinator");
        if (!Matches(hello.Proof, secret, CoordinatorRole, workerNonce, coordinatorNonce))
        {
            throw new WireProtocolException("The coordinator could not prove it knows this cluster's secret; refusing to run anything it sends.");
        }

        var proof = Proof(secret, WorkerRole, coordinatorNonce, workerNonce);
        await frames.WriteAsync(new WorkerProof { Proof = ByteString.CopyFrom(proof) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The coordinator's side; returns once the worker proved it knows the secret.</summary>
    /// <exception cref="WireProtocolException">The peer is not a worker of this cluster.</exception>
    public static async Task AcceptWorkerAsync(FrameStream frames, byte[] secret, CancellationToken cancellationToken)
    {
        var hello = await frames.ReadAsync(WorkerHello.Parser, FrameStream.HandshakeFrameSize, cancellationToken).ConfigureAwait(false)
            ?? throw new WireProtocolException("The peer closed the connection before saying hello.");
        CheckVersion(hello.ProtocolVersion, "worker");
        var workerNonce = Nonce(hello.Nonce, "worker");
        var coordinatorNonce = RandomNumberGenerator.GetBytes(NonceSize);
        await frames.WriteAsync(
            new CoordinatorHello
            {
                ProtocolVersion = ProtocolVersion,
                Nonce = ByteString.CopyFrom(coordinatorNonce),
                Proof = ByteString.CopyFrom(Proof(secret, CoordinatorRole, workerNonce, coordinatorNonce)),
            },
            cancellationToken).ConfigureAwait(false);
        var answer = await frames.ReadAsync(WorkerProof.Parser, FrameStream.HandshakeFrameSize, cancellationToken).ConfigureAwait(false)
            ?? throw new WireProtocolException("The peer closed the connection instead of proving it knows the secret.");
        if (!Matches(answer.Proof, secret, WorkerRole, coordinatorNonce, workerNonce))
        {
            throw new WireProtocolException("The peer's proof does not match this cluster's secret.");
        }
    }

    private static void CheckVersion(uint version, string peer)
    {
        if (version != ProtocolVersion)
        {
            throw new WireProtocolException($"The {peer} speaks protocol version {version}, this side {ProtocolVersion}: use the same JobQueue version on both sides.");
        }
    }

    private static byte[] Nonce(ByteString nonce, string peer) =>
        nonce.Length == NonceSize ? nonce.ToByteArray() : throw new WireProtocolException($"The {peer} sent a nonce of {nonce.Length} bytes instead of {NonceSize}.");

    private static bool Matches(ByteString proof, byte[] secret, byte[] role, byte[] first, byte[] second) =>
        CryptographicOperations.FixedTimeEquals(proof.Span, Proof(secret, role, first, second));

    private static byte[] Proof(byte[] secret, byte[] role, byte[] first, byte[] second) =>
        HMACSHA256.HashData(secret, (byte[])[.. role, .. first, .. second]);
}
