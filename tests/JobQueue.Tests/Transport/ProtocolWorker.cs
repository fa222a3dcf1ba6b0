using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Worker;

namespace JobQueue.Tests.Transport;

/// <summary>
/// A fake worker in the test process that holds the cluster's secret and speaks the real protocol (TLS, the proof,
/// Register, credit), and answers its tasks with whatever results a test forges: what a compromised or buggy worker
/// could send, which a real worker never does.
/// </summary>
internal sealed class ProtocolWorker : IAsyncDisposable
{
    private readonly CoordinatorConnection _connection;

    private ProtocolWorker(CoordinatorConnection connection) => _connection = connection;

    public static async Task<ProtocolWorker> ConnectAsync(Coordinator coordinator, string name, CancellationToken cancellationToken)
    {
        var connection = await CoordinatorConnection.OpenAsync(
            new Uri(coordinator.Address), ClusterSecret.Read(coordinator.SecretPath), TimeSpan.FromSeconds(30), null, cancellationToken);
        var worker = new ProtocolWorker(connection);
        await worker.SendAsync(new FromWorker
        {
            Register = new Register { Name = name, Host = "127.0.0.1", Threads = 1, MemoryLimit = 1 << 30, ProcessId = Environment.ProcessId },
        }, cancellationToken);
        return worker;
    }

    public Task SendAsync(FromWorker message, CancellationToken cancellationToken) => _connection.Output.WriteAsync(message, cancellationToken);

    /// <summary>Grants credit for <paramref name="count"/> partitions and reads until they arrived, skipping everything else.</summary>
    public async Task<List<TaskSpec>> TakePartitionsAsync(int count, CancellationToken cancellationToken)
    {
        await SendAsync(new FromWorker { Results = new ResultBatch { Credit = (uint)count } }, cancellationToken);
        var partitions = new List<TaskSpec>();
        while (partitions.Count < count)
        {
            if (!await _connection.Input.MoveNext(cancellationToken))
            {
                throw new IOException("The coordinator ended the call.");
            }

            if (_connection.Input.Current.MessageCase == ToWorker.MessageOneofCase.Tasks)
            {
                partitions.AddRange(_connection.Input.Current.Tasks.Tasks);
            }
        }

        return partitions;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
