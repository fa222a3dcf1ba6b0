using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Serialization;
using JobQueue.JobScripts;
using JobQueue.Tests.Coordination;
using Microsoft.Extensions.Logging.Abstractions;
using JobQueue.Shipping;

namespace JobQueue.Tests.Shipping;

public sealed class AllowlistTests
{
    [Fact]
    public async Task A_worker_refuses_and_logs_a_closure_that_names_a_type_outside_the_allowlist()
    {
        var logged = new ConcurrentQueue<string>();
        var secretPath = Path.Combine(Path.GetTempPath(), $"jobqueue-allowlist-{Guid.NewGuid():N}.secret");
        await using var coordinator = StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, secretPath));
        using var worker = WorkerHostProcess.Start(new WorkerCommandLine
        {
            Scheduler = coordinator.Address, Name = "strict", Threads = 1, MemoryLimit = new MemorySize(1 << 30),
            DeathTimeout = TimeSpan.FromSeconds(30), SecretFile = secretPath, LogLevel = "Warning",
        }.ToArguments(), errorLines: logged.Enqueue);
        try
        {
            var offset = RandomNumberGenerator.GetInt32(100);
            var definition = FunctionReference.Describe(() => offset + 1, FunctionShape.NoArgument, NullLogger.Instance);
            definition.Target = ByteString.CopyFrom(ValueCodec.CraftValueNamingType("System.Diagnostics.Process", "System.Diagnostics.Process"));
            var future = new Future<int>();
            var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), count: 1, new MapPolicy(AllowedFailures: 1), batchSize: null);
            coordinator.Submit(map, [(future, ValueCodec.Encode(0, TypeAllowlist.Client))]);

            var error = await Assert.ThrowsAsync<RemoteTaskException>(async () => await future.AsTask().WaitAsync(TimeSpan.FromSeconds(60)));

            Assert.Contains(nameof(DisallowedTypeException), error.RemoteType);
            Assert.Contains("System.Diagnostics.Process", error.Message);
            await Eventually.HoldsAsync(
                () => logged.Any(line => line.Contains("Refused function") && line.Contains("System.Diagnostics.Process")),
                TimeSpan.FromSeconds(30), "the worker logged the refusal");
        }
        finally
        {
            worker.Kill();
        }
    }
}
