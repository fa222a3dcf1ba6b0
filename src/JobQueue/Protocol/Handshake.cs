using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;

namespace JobQueue.Protocol;

/// <summary>
/// Mutual challenge-response at the start of a worker's call: each side sends a fresh nonce and proves it knows the
/// cluster secret with an HMAC over both nonces, its role and the pinned certificate's hash. The nonces make a proof
/// good for one call only; the certificate hash ties it to a TLS session with the genuine coordinator, so a relay with
/// a certificate of its own could not pass a proof on. Workers run what the coordinator sends, so they check it too.
/// </summary>
internal static class Handshake
{
    public const uint ProtocolVersion = 3;
    private const int NonceSize = 32;
    private static readonly byte[] CoordinatorRole = Encoding.ASCII.GetBytes("jobqueue coordinator");
    private static readonly byte[] WorkerRole = Encoding.ASCII.GetBytes("jobqueue worker");

    /// <summary>The worker's side; returns once both proofs checked out and the worker's proof is sent.</summary>
    /// <exception cref="WireProtocolException">The peer is not a coordinator of this cluster.</exception>
    public static async Task ProveToCoordinatorAsync(
        IClientStreamWriter<FromWorker> output, IAsyncStreamReader<ToWorker> input, ClusterKeys keys, CancellationToken cancellationToken)
    {
        var workerNonce = RandomNumberGenerator.GetBytes(NonceSize);
        await output.WriteAsync(new FromWorker { Hello = new WorkerHello { ProtocolVersion = ProtocolVersion, Nonce = ByteString.CopyFrom(workerNonce) } }, cancellationToken).ConfigureAwait(false);
        if (!await input.MoveNext(cancellationToken).ConfigureAwait(false) || input.Current.MessageCase != ToWorker.MessageOneofCase.Hello)
        {
            throw new WireProtocolException("The coordinator did not answer the hello; is the secret file the cluster's?");
        }

        var hello = input.Current.Hello;
        CheckVersion(hello.ProtocolVersion, "coordinator");
        var coordinatorNonce = Nonce(hello.Nonce, "coordinator");
        if (!Matches(hello.Proof, keys, CoordinatorRole, workerNonce, coordinatorNonce))
        {
            throw new WireProtocolException("The coordinator could not prove it knows this cluster's secret; refusing to run anything it sends.");
        }

        var proof = Proof(keys, WorkerRole, coordinatorNonce, workerNonce);
        await output.WriteAsync(new FromWorker { Proof = new WorkerProof { Proof = ByteString.CopyFrom(proof) } }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The coordinator's side; returns once the worker proved it knows the secret.</summary>
    /// <exception cref="WireProtocolException">The peer is not a worker of this cluster.</exception>
    public static async Task AcceptWorkerAsync(
        IAsyncStreamReader<FromWorker> input, IServerStreamWriter<ToWorker> output, ClusterKeys keys, CancellationToken cancellationToken)
    {
        var hello = await ReadAsync(input, FromWorker.MessageOneofCase.Hello, "saying hello", cancellationToken).ConfigureAwait(false);
        CheckVersion(hello.Hello.ProtocolVersion, "worker");
        var workerNonce = Nonce(hello.Hello.Nonce, "worker");
        var coordinatorNonce = RandomNumberGenerator.GetBytes(NonceSize);
        await output.WriteAsync(new ToWorker
        {
            Hello = new CoordinatorHello
            {
                ProtocolVersion = ProtocolVersion,
                Nonce = ByteString.CopyFrom(coordinatorNonce),
                Proof = ByteString.CopyFrom(Proof(keys, CoordinatorRole, workerNonce, coordinatorNonce)),
            },
        }, cancellationToken).ConfigureAwait(false);
        var answer = await ReadAsync(input, FromWorker.MessageOneofCase.Proof, "proving it knows the secret", cancellationToken).ConfigureAwait(false);
        if (!Matches(answer.Proof.Proof, keys, WorkerRole, coordinatorNonce, workerNonce))
        {
            throw new WireProtocolException("The peer's proof does not match this cluster's secret.");
        }
    }

    private static async Task<FromWorker> ReadAsync(IAsyncStreamReader<FromWorker> input, FromWorker.MessageOneofCase expected, string step, CancellationToken cancellationToken)
    {
        if (!await input.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new WireProtocolException($"The peer ended the call before {step}.");
        }

        return input.Current.MessageCase == expected
            ? input.Current
            : throw new WireProtocolException($"The peer sent {input.Current.MessageCase} instead of {step}.");
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

    private static bool Matches(ByteString proof, ClusterKeys keys, byte[] role, byte[] first, byte[] second) =>
        CryptographicOperations.FixedTimeEquals(proof.Span, Proof(keys, role, first, second));

    private static byte[] Proof(ClusterKeys keys, byte[] role, byte[] first, byte[] second) =>
        HMACSHA256.HashData(keys.Secret, (byte[])[.. role, .. first, .. second, .. keys.CertificateSha256]);
}
