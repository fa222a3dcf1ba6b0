using System.Diagnostics;
using Npgsql;

namespace JobQueue.Benchmarks;

/// <summary>
/// What storing every result in a checkpoint adds per result: a no-op Map with and without a checkpoint, on one
/// cluster, in an SQLite file and in the local PostgreSQL server of scripts/setup-test-env.sh.
/// </summary>
internal static class CheckpointCost
{
    private const string EnvironmentFile = "/opt/jobqueue-test/env";

    public static readonly Scenario Scenario = new("checkpoint", ["checkpoint_sqlite", "checkpoint_postgres"], ["us/result", "us/result"], RunAsync);

    private static int Identity(int x) => x;

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        var n = quick ? 20_000 : 100_000;
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var directory = Directory.CreateTempSubdirectory("jobqueue-bench-checkpoint-");
        try
        {
            // Warm up the map and the store's code; the measured runs each start from an empty checkpoint.
            await MapAsync(cluster, 20_000, null);
            await MapAsync(cluster, 20_000, Path.Combine(directory.FullName, "warm-up.db"));
            var plain = await MapAsync(cluster, n, null);
            var sqlite = await CostAsync(cluster, n, plain, Path.Combine(directory.FullName, "results.db"));
            return [sqlite, await PostgresCostAsync(cluster, n, plain)];
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<Figure> PostgresCostAsync(LocalCluster cluster, int n, TimeSpan plain)
    {
        if (PostgresConnection() is not { } server)
        {
            return new Figure("checkpoint_postgres", null, "us/result", n, Note: $"not measured: {EnvironmentFile} has no POSTGRES_HOST (run scripts/setup-test-env.sh as root)");
        }

        // A schema of its own, so the run starts empty and leaves nothing behind.
        var schema = "jobqueue_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = NpgsqlDataSource.Create(server.ConnectionString);
        await admin.CreateCommand($"CREATE SCHEMA {schema}").ExecuteNonQueryAsync();
        try
        {
            server.SearchPath = schema;
            return await CostAsync(cluster, n, plain, server.ConnectionString);
        }
        finally
        {
            await admin.CreateCommand($"DROP SCHEMA {schema} CASCADE").ExecuteNonQueryAsync();
        }
    }

    private static async Task<Figure> CostAsync(LocalCluster cluster, int n, TimeSpan plain, string checkpoint)
    {
        var stored = await MapAsync(cluster, n, checkpoint);
        var resumed = await MapAsync(cluster, n, checkpoint);
        var name = checkpoint.Contains("Host=", StringComparison.Ordinal) ? "checkpoint_postgres" : "checkpoint_sqlite";
        return new Figure(name, (stored - plain).TotalMicroseconds / n, "us/result", n,
            $"{n:N0} no-op items: {plain.TotalSeconds:F2} s without a checkpoint, {stored.TotalSeconds:F2} s storing every result; "
            + $"the rerun with all stored took {resumed.TotalSeconds:F2} s ({resumed.TotalMicroseconds / n:F1} us per result)");
    }

    private static async Task<TimeSpan> MapAsync(LocalCluster cluster, int n, string? checkpoint)
    {
        var start = Stopwatch.GetTimestamp();
        var results = await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, n), new MapOptions { Checkpoint = checkpoint }));
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (results.Length != n || results[^1] != n - 1)
        {
            throw new InvalidOperationException("the results are not the inputs");
        }

        return elapsed;
    }

    private static NpgsqlConnectionStringBuilder? PostgresConnection()
    {
        var facts = File.Exists(EnvironmentFile)
            ? File.ReadAllLines(EnvironmentFile).Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2).ToDictionary(parts => parts[0], parts => parts[1])
            : [];
        return facts.TryGetValue("POSTGRES_HOST", out var host)
            ? new NpgsqlConnectionStringBuilder
            {
                Host = host, Port = int.Parse(facts["POSTGRES_PORT"]), Username = facts["POSTGRES_USER"],
                Password = facts["POSTGRES_PASSWORD"], Database = facts["POSTGRES_DATABASE"],
            }
            : null;
    }
}
