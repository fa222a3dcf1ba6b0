using System.Runtime.Loader;
using Microsoft.Data.Sqlite;

namespace JobQueue.Tests.Shipping;

/// <summary>Workers that have only the WorkerHost run code they have never seen, fetched from the coordinator.</summary>
public sealed class CodeShippingTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    [Fact]
    public async Task A_worker_without_the_tests_runs_a_function_that_lives_in_the_test_assembly()
    {
        Assert.False(File.Exists(Path.Combine(host.Directory, "JobQueue.Tests.dll")));
        await using var cluster = IsolatedCluster("ship");

        var squares = await cluster.Gather(cluster.Map((int x) => new Square(x, x * x), Enumerable.Range(0, 100)));

        Assert.Equal(Enumerable.Range(0, 100).Select(x => new Square(x, x * x)), squares);
        Assert.True(cluster.FileBytesSent > new FileInfo(typeof(CodeShippingTests).Assembly.Location).Length,
            $"the test assembly was shipped ({cluster.FileBytesSent} bytes sent)");
    }

    [Fact]
    public async Task A_function_using_a_package_with_a_native_library_the_worker_lacks_runs()
    {
        Assert.False(File.Exists(Path.Combine(host.Directory, "Microsoft.Data.Sqlite.dll")));
        await using var cluster = IsolatedCluster("sqlite");

        var sums = await cluster.Gather(cluster.Map((int n) => SumInSqlite(n), [3, 10, 100]));

        Assert.Equal([6, 55, 5050], sums);
    }

    [Fact]
    public async Task Two_builds_of_one_assembly_in_one_session_do_not_mix()
    {
        var first = CompileAnswer(increment: 1);
        var second = CompileAnswer(increment: 2);
        await using var cluster = IsolatedCluster("versions");

        var fromFirst = cluster.Map(first, Enumerable.Range(0, 50));
        var fromSecond = cluster.Map(second, Enumerable.Range(0, 50));

        Assert.Equal(Enumerable.Range(1, 50), await cluster.Gather(fromFirst));
        Assert.Equal(Enumerable.Range(2, 50), await cluster.Gather(fromSecond));
        Assert.Equal(Enumerable.Range(1, 50), await cluster.Gather(cluster.Map(first, Enumerable.Range(0, 50))));
    }

    private LocalCluster IsolatedCluster(string name) =>
        new(new LocalOptions { Workers = 2, Name = name, LocalDirectory = host.NewLocalDirectory() }) { WorkerEntryAssembly = host.EntryAssembly };

    private static long SumInSqlite(int n)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "WITH RECURSIVE numbers(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM numbers WHERE x < $n) SELECT sum(x) FROM numbers";
        command.Parameters.AddWithValue("$n", n);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Compiles assembly "Answer" 1.0.0.0, whose Answer.Next adds <paramref name="increment"/>, and loads it on its own.</summary>
    private static Func<int, int> CompileAnswer(int increment)
    {
        var source = $"public static class Answer {{ public static int Next(int x) => x + {increment}; }}";
        var path = CompiledAssemblies.Compile("Answer", source, Directory.CreateTempSubdirectory("jobqueue-answer-").FullName);
        var assembly = new AssemblyLoadContext($"Answer +{increment}", isCollectible: true).LoadFromAssemblyPath(path);
        return assembly.GetType("Answer")!.GetMethod("Next")!.CreateDelegate<Func<int, int>>();
    }
}

public sealed record Square(int Root, int Value);
