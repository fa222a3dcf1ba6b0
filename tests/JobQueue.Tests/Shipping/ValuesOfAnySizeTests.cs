using System.Security.Cryptography;

namespace JobQueue.Tests.Shipping;

/// <summary>
/// Values larger than a message travel on their own, in chunks, both ways: arguments, captured values and results
/// of 80 MB, past the 64 MiB message limit; a result over <see cref="MapOptions.MaxResultSize"/> fails only its item.
/// </summary>
public sealed class ValuesOfAnySizeTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    private const int Workers = 2;
    private const int Size = 80_000_000;

    [Fact]
    public async Task Ten_arguments_of_80_MB_each_arrive_whole()
    {
        await using var cluster = await StartAsync("big-arguments");
        var arguments = Enumerable.Range(0, 10).Select(Pattern).ToArray();

        var hashes = await cluster.Gather(cluster.Map((byte[] argument) => Convert.ToHexString(SHA256.HashData(argument)), arguments));

        Assert.Equal(arguments.Select(argument => Convert.ToHexString(SHA256.HashData(argument))), hashes);
    }

    [Fact]
    public async Task Results_of_80_MB_arrive_whole()
    {
        await using var cluster = await StartAsync("big-results");

        var results = await cluster.Gather(cluster.Map((int seed) => Pattern(seed), [3, 4]));

        Assert.Equal([SHA256.HashData(Pattern(3)), SHA256.HashData(Pattern(4))], results.Select(SHA256.HashData));
    }

    [Fact]
    public async Task An_80_MB_array_inside_a_captured_dictionary_reaches_the_workers()
    {
        await using var cluster = await StartAsync("big-closure");
        var table = new Dictionary<string, byte[]> { ["samples"] = Pattern(7) };
        var expected = Convert.ToHexString(SHA256.HashData(table["samples"]));

        var hashes = await cluster.Gather(cluster.Map((int x) => $"{x}:{Convert.ToHexString(SHA256.HashData(table["samples"]))}", Enumerable.Range(0, 4)));

        Assert.Equal(Enumerable.Range(0, 4).Select(x => $"{x}:{expected}"), hashes);
    }

    [Fact]
    public async Task A_result_over_MaxResultSize_fails_only_its_item_and_the_workers_stay()
    {
        await using var cluster = await StartAsync("limited");
        var processes = cluster.Workers.Select(worker => worker.ProcessId).Order().ToArray();

        var futures = cluster.Map((int x) => new byte[x == 42 ? 11_000_000 : 1_000], Enumerable.Range(0, 100), new MapOptions { MaxResultSize = "10MB" });
        await Task.WhenAll(futures.Select(future => future.AsTask().ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromMinutes(2));

        var failure = Assert.IsType<RemoteTaskException>(futures[42].Exception);
        Assert.Contains("MaxResultSize", failure.Message);
        Assert.Contains("item 42", failure.Message);
        Assert.All(futures.Where((_, i) => i != 42), future => Assert.Equal(1_000, future.AsTask().Result.Length));
        Assert.Equal(processes, cluster.Workers.Select(worker => worker.ProcessId).Order());
    }

    [Fact]
    public void MaxResultSize_is_checked_when_set_and_names_the_option_and_the_form()
    {
        var error = Assert.Throws<ArgumentException>(() => new MapOptions { MaxResultSize = "ten megabytes" });

        Assert.Contains("MapOptions.MaxResultSize", error.Message);
        Assert.Contains("\"24GB\"", error.Message);
        Assert.Equal(10_000_000, new MapOptions { MaxResultSize = "10MB" }.MaxResultSizeBytes);
    }

    private static byte[] Pattern(int seed)
    {
        var bytes = new byte[Size];
        new Random(seed).NextBytes(bytes.AsSpan(0, 4096));
        for (var offset = 4096; offset < Size; offset *= 2)
        {
            bytes.AsSpan(0, Math.Min(offset, Size - offset)).CopyTo(bytes.AsSpan(offset));
        }

        bytes[^1] = (byte)seed;
        return bytes;
    }

    private async Task<LocalCluster> StartAsync(string name)
    {
        var cluster = new LocalCluster(new LocalOptions { Workers = Workers, Name = name, LocalDirectory = host.NewLocalDirectory(), DashboardAddress = null })
        {
            WorkerEntryAssembly = host.EntryAssembly,
        };
        await cluster.WaitForWorkersAsync(Workers, TimeSpan.FromSeconds(60));
        return cluster;
    }
}
