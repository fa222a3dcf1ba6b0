using System.Net.Sockets;
using JobQueue.Tests.BatchSystems;
using Npgsql;

namespace JobQueue.Tests.Checkpoints;

/// <summary>
/// The PostgreSQL server that scripts/local/postgres.sh starts on 127.0.0.1, and a fresh schema of it per test
/// (the checkpoint's tables go there through the connection string's search path), dropped afterwards.
/// </summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    private readonly NpgsqlDataSource _admin;

    private TestPostgres(NpgsqlDataSource admin, string schema, string connectionString)
    {
        _admin = admin;
        Schema = schema;
        ConnectionString = connectionString;
    }

    public string Schema { get; }

    /// <summary>A checkpoint location whose tables live in <see cref="Schema"/>; its connections carry the schema as application name.</summary>
    public string ConnectionString { get; }

    /// <summary>Why the server cannot be used here, or null when it can.</summary>
    public static string? MissingReason()
    {
        if (LocalBatchSystems.OptionalFact("POSTGRES_HOST") is not { } host || LocalBatchSystems.OptionalFact("POSTGRES_PORT") is not { } port)
        {
            return $"{LocalBatchSystems.EnvironmentFile} has no POSTGRES_HOST/POSTGRES_PORT: run 'bash scripts/setup-test-env.sh' as root.";
        }

        try
        {
            using var client = new TcpClient();
            client.Connect(host, int.Parse(port));
            return null;
        }
        catch (SocketException exception)
        {
            return $"PostgreSQL is not listening on {host}:{port} ({exception.Message}): run 'bash scripts/setup-test-env.sh' as root.";
        }
    }

    public static async Task<TestPostgres> CreateAsync()
    {
        var server = new NpgsqlConnectionStringBuilder
        {
            Host = LocalBatchSystems.Fact("POSTGRES_HOST"),
            Port = int.Parse(LocalBatchSystems.Fact("POSTGRES_PORT")),
            Username = LocalBatchSystems.Fact("POSTGRES_USER"),
            Password = LocalBatchSystems.Fact("POSTGRES_PASSWORD"),
            Database = LocalBatchSystems.Fact("POSTGRES_DATABASE"),
            Pooling = false,
        };
        var admin = NpgsqlDataSource.Create(server.ConnectionString);
        var schema = "jobqueue_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var command = admin.CreateCommand($"CREATE SCHEMA {schema}"))
        {
            await command.ExecuteNonQueryAsync();
        }

        server.SearchPath = schema;
        server.ApplicationName = schema;
        return new TestPostgres(admin, schema, server.ConnectionString);
    }

    /// <summary>How many results the checkpoint holds (0 before its tables exist).</summary>
    public long StoredResults()
    {
        using var command = _admin.CreateCommand($"SELECT count(*) FROM {Schema}.jobqueue_results");
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>Ends the server processes of this test's checkpoint connections (as a restart or an administrator would); returns how many there were.</summary>
    public async Task<long> TerminateCheckpointConnectionsAsync()
    {
        await using var command = _admin.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Schema });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var command = _admin.CreateCommand($"DROP SCHEMA {Schema} CASCADE"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await _admin.DisposeAsync();
    }
}

/// <summary>
/// A test that needs the local PostgreSQL server. Where it is missing the test is skipped, except under CI=true,
/// where it runs and fails.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!LocalBatchSystems.IsContinuousIntegration && TestPostgres.MissingReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
