using JobQueue.Tests.BatchSystems;
using JobQueue.Tests.Coordination;
using JobQueue.Tests.Transport;
using Npgsql;

namespace JobQueue.Tests.Checkpoints;

/// <summary>The checkpoint writer outlives a dropped PostgreSQL connection: against the real server on 127.0.0.1.</summary>
public sealed class CheckpointReconnectTests
{
    private const int Items = 300;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [PostgresFact]
    public async Task A_connection_terminated_in_the_middle_of_a_map_is_reopened_and_every_result_is_stored()
    {
        await using var database = await TestPostgres.CreateAsync();
        var logging = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "checkpoint-reconnect", LoggerFactory = logging });
        var futures = cluster.Map(SlowSquare, Enumerable.Range(0, Items), new MapOptions { Checkpoint = database.ConnectionString });
        await Eventually.HoldsAsync(() => database.StoredResults() >= Items / 4, Deadline, "a quarter of the results stored");

        Assert.Equal(1, await database.TerminateCheckpointConnectionsAsync());

        Assert.Equal(Enumerable.Range(0, Items).Select(x => x * x), await cluster.Gather(futures).WaitAsync(Deadline));
        Assert.Equal(Items, database.StoredResults());
        Assert.Contains(logging.Warnings, message => message.StartsWith($"Checkpoint postgresql://", StringComparison.Ordinal) && message.Contains(" lost its connection (", StringComparison.Ordinal));
        Assert.Contains(logging.Messages, message => message.EndsWith(" is connected again", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task When_the_database_stays_away_every_future_ends_with_its_result_stored_or_with_a_CheckpointException()
    {
        await using var database = await TestPostgres.CreateAsync();

        // The checkpoint reaches the server through a relay whose end drops the connection and refuses new ones.
        const string NeverSent = "b6f1c0de-never-in-the-postgres-protocol";
        var relay = new TamperingProxy(int.Parse(LocalBatchSystems.Fact("POSTGRES_PORT")), NeverSent, NeverSent);
        var checkpoint = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = relay.Port }.ConnectionString;
        var logging = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "checkpoint-gone", LoggerFactory = logging });
        var futures = cluster.Map(SlowSquare, Enumerable.Range(0, Items), new MapOptions { Checkpoint = checkpoint });
        await Eventually.HoldsAsync(() => database.StoredResults() >= Items / 4, Deadline, "a quarter of the results stored");

        await relay.DisposeAsync();
        var outcomes = await Task.WhenAll(futures.Select(OutcomeAsync)).WaitAsync(Deadline);

        var failures = outcomes.OfType<CheckpointException>().ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, failure => Assert.Contains(" lost its connection and could not reconnect within 30 s (", failure.Message));
        var stored = outcomes.Select((outcome, item) => (outcome, item)).Where(pair => pair.outcome is int).ToList();
        Assert.All(stored, pair => Assert.Equal(pair.item * pair.item, pair.outcome));
        Assert.Equal(Items, stored.Count + failures.Count);

        // A result is reported stored only once its commit is acknowledged.
        Assert.InRange(stored.Count, Items / 4, database.StoredResults());
        Assert.Single(logging.Warnings, message => message.Contains(" could not reconnect within 30 s", StringComparison.Ordinal));
    }

    private static async Task<object> OutcomeAsync(Future<int> future)
    {
        try
        {
            return await future;
        }
        catch (CheckpointException exception)
        {
            return exception;
        }
    }

    // Long enough that the map is still running when its connection is terminated.
    private static int SlowSquare(int x)
    {
        Thread.Sleep(20);
        return x * x;
    }
}
