using Google.Protobuf;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Serialization;
using JobQueue.Shipping;
using JobQueue.Tests.Coordination;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobQueue.Tests.Transport;

/// <summary>Results a worker that holds the secret could forge: each fails its own future, never the others, never the session.</summary>
public sealed class MalformedResultTests
{
    [Fact]
    public async Task Each_malformed_result_fails_only_its_own_future_and_the_worker_stays_connected()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-malformed-");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var coordinator = StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "c.secret")));
        try
        {
            await using var worker = await ProtocolWorker.ConnectAsync(coordinator, "forger", timeout.Token);
            var definition = FunctionReference.Describe((int x) => new HashSet<Tag> { new($"item {x}") }, FunctionShape.OneArgument, NullLogger.Instance);
            var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), count: 12, new MapPolicy(AllowedFailures: 1), batchSize: 3);
            var futures = Enumerable.Range(0, 12).Select(_ => new Future<HashSet<Tag>>()).ToArray();
            coordinator.Submit(map, [.. futures.Select((future, i) => ((Future)future, ValueCodec.Encode(i, TypeAllowlist.Client)))]);

            var partitions = await worker.TakePartitionsAsync(4, timeout.Token);
            var batch = new ResultBatch();
            batch.Results.AddRange(partitions.Select(Forge));
            await worker.SendAsync(new FromWorker { Results = batch }, timeout.Token);
            await Task.WhenAll(futures.Select(future => future.AsTask().ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(timeout.Token);

            foreach (var good in new[] { 0, 1, 3, 6, 8, 9, 11 })
            {
                Assert.Equal($"item {good}", Assert.Single(await futures[good]).Name);
            }

            Assert.Contains("before it starts", Failure(futures[2]).Message);
            Assert.Contains("end too early", Failure(futures[4]).Message);
            Assert.Contains("past the end of the values sent", Failure(futures[5]).Message);
            Assert.Equal(typeof(DisallowedTypeException).FullName, Failure(futures[7]).RemoteType);
            Assert.Contains(nameof(NullReferenceException), Failure(futures[10]).Message);
            Assert.All(new[] { 2, 5 }, item => Assert.Contains($"item {item}", Failure(futures[item]).Message));
            Assert.Single(coordinator.Workers);
        }
        finally
        {
            await coordinator.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Pieces_of_large_results_are_assembled_and_a_worker_over_MaxResultSize_or_missing_pieces_fails_only_those_items()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-pieces-");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var coordinator = StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "c.secret")));
        try
        {
            await using var worker = await ProtocolWorker.ConnectAsync(coordinator, "oversharer", timeout.Token);
            var definition = FunctionReference.Describe((int x) => new byte[x], FunctionShape.OneArgument, NullLogger.Instance);
            var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), count: 4, new MapPolicy(AllowedFailures: 1), batchSize: 4, maxResultSize: 10_000_000);
            var futures = Enumerable.Range(0, 4).Select(_ => new Future<byte[]>()).ToArray();
            coordinator.Submit(map, [.. futures.Select((future, i) => ((Future)future, ValueCodec.Encode(i, TypeAllowlist.Client)))]);
            var partition = Assert.Single(await worker.TakePartitionsAsync(1, timeout.Token));

            // Item 0 inline; item 1 in three pieces; item 2 claims 20 MB, over the map's 10 MB; item 3 is reported without pieces.
            var (small, large) = (ValueCodec.Encode(new byte[] { 1, 2, 3 }, TypeAllowlist.Client), ValueCodec.Encode(Enumerable.Range(0, 2_500_000).Select(i => (byte)i).ToArray(), TypeAllowlist.Client));
            foreach (var piece in large.Chunk(1 << 20))
            {
                await worker.SendAsync(new FromWorker { ValuePart = new ValuePart { Partition = partition.Id, Item = 1, Size = (ulong)large.Length, Data = ByteString.CopyFrom(piece) } }, timeout.Token);
            }

            await worker.SendAsync(new FromWorker { ValuePart = new ValuePart { Partition = partition.Id, Item = 2, Size = 20_000_000, Data = ByteString.CopyFrom(new byte[1000]) } }, timeout.Token);
            var result = new TaskResult { Id = partition.Id, Values = ByteString.CopyFrom(small), ValueEnds = { (uint)small.Length, (uint)small.Length, (uint)small.Length, (uint)small.Length }, ExternalItems = { 1, 2, 3 } };
            await worker.SendAsync(new FromWorker { Results = new ResultBatch { Results = { result } } }, timeout.Token);
            await Task.WhenAll(futures.Select(future => future.AsTask().ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(timeout.Token);

            Assert.Equal([1, 2, 3], await futures[0]);
            Assert.Equal(Enumerable.Range(0, 2_500_000).Select(i => (byte)i), await futures[1]);
            Assert.Contains("MaxResultSize", Failure(futures[2]).Message);
            Assert.Contains("item 2", Failure(futures[2]).Message);
            Assert.Contains("without sending it", Failure(futures[3]).Message);
            Assert.Single(coordinator.Workers);
        }
        finally
        {
            await coordinator.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }

    private static RemoteTaskException Failure(Future future) => Assert.IsType<RemoteTaskException>(future.Exception);

    /// <summary>
    /// Items 0, 1, 3, 6, 8, 9 and 11 are well formed. Item 2's value ends before it starts; item 4's bytes are cut
    /// short and item 5's end lies past the bytes sent; item 7 names a type the client refuses; decoding item 10 makes
    /// the set call a GetHashCode that throws.
    /// </summary>
    private static TaskResult Forge(TaskSpec partition)
    {
        var first = (int)partition.FirstIndex;
        var good = Enumerable.Range(first, 3).Select(item => Encode(new HashSet<Tag> { new($"item {item}") })).ToArray();
        var (l0, l1) = ((uint)good[0].Length, (uint)good[1].Length);
        (byte[][] Values, uint[]? Ends) forged = first switch
        {
            0 => ([good[0], good[1]], [l0, l0 + l1, l0]),
            3 => ([good[0], good[1][..^1]], [l0, l0 + l1 - 1, 1_000]),
            6 => ([good[0], ValueCodec.CraftValueNamingType("System.Diagnostics.Process", "System.Diagnostics.Process"), good[2]], null),
            _ => ([good[0], Encode(Unhashable()), good[2]], null),
        };
        var result = new TaskResult { Id = partition.Id, Values = ByteString.CopyFrom([.. forged.Values.SelectMany(value => value)]) };
        var end = 0u;
        result.ValueEnds.AddRange(forged.Ends ?? [.. forged.Values.Select(value => end += (uint)value.Length)]);
        return result;
    }

    private static byte[] Encode(HashSet<Tag> value) => ValueCodec.Encode(value, TypeAllowlist.Client);

    // A sender can hold such a set: the tag lost its name after it went in.
    private static HashSet<Tag> Unhashable()
    {
        var tag = new Tag("doomed");
        var set = new HashSet<Tag> { tag };
        tag.Name = null;
        return set;
    }

    public sealed class Tag(string? name)
    {
        public string? Name { get; set; } = name;

        public override bool Equals(object? obj) => obj is Tag other && other.Name == Name;

        public override int GetHashCode() => Name!.Length;
    }
}
