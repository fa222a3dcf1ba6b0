using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace JobQueue.Checkpoints;

/// <summary>
/// One checkpoint database: the encoded result of each finished item under its key, and the identity of the
/// function that computed them. Results are written by one background loop in transactions of whatever has arrived
/// meanwhile, so a busy map commits many results at once and a quiet one commits each at once; a result's callback
/// runs only after its transaction committed, or with the reason it was not (every result gets one or the other).
/// A dropped connection is reopened (<see cref="CheckpointConnection"/>).
/// </summary>
internal sealed class CheckpointStore : IAsyncDisposable
{
    /// <summary>The layout of the tables below; a store with another one is refused rather than misread.</summary>
    public const string SchemaVersion = "1";

    private const int MaxBatch = 4096;

    private readonly CheckpointDatabase _database;
    private readonly CheckpointConnection _connection;
    private readonly Channel<PendingResult> _pending = Channel.CreateUnbounded<PendingResult>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _writer;

    private CheckpointStore(CheckpointDatabase database, CheckpointConnection connection, FunctionIdentity function, ILogger logger)
    {
        _database = database;
        _connection = connection;
        _logger = logger;
        Function = function;
        _writer = Task.Run(WriteLoopAsync);
    }

    public FunctionIdentity Function { get; }

    /// <summary>The database, without secrets, for messages.</summary>
    public string Display => _database.Display;

    /// <summary>Opens (creating it if need be) the checkpoint at <paramref name="location"/> for <paramref name="function"/>.</summary>
    /// <exception cref="CheckpointException">It cannot be opened, holds another function's results, or has another layout.</exception>
    public static CheckpointStore Open(string location, FunctionIdentity function, ILogger logger)
    {
        var database = CheckpointDatabase.Parse(location);
        DbConnection? connection = null;
        try
        {
            connection = CheckpointConnection.Open(database);
            var stored = Prepare(connection, database, function);
            if (stored.GetValueOrDefault("schema") != SchemaVersion)
            {
                throw new CheckpointException(
                    $"Checkpoint {database.Display} has table layout {stored.GetValueOrDefault("schema")}, and this JobQueue reads layout {SchemaVersion}: use a new checkpoint, or the JobQueue version that wrote it.");
            }

            if (stored.GetValueOrDefault("function") != function.Hash)
            {
                throw DifferentFunction(database.Display, stored.GetValueOrDefault("function_name"), stored.GetValueOrDefault("function"), function);
            }

            return new CheckpointStore(database, new CheckpointConnection(database, connection, logger), function, logger);
        }
        catch (Exception exception)
        {
            connection?.Dispose();
            throw exception is DbException or InvalidOperationException
                ? new CheckpointException($"Checkpoint {database.Display} could not be opened: {exception.Message}", exception)
                : exception;
        }
    }

    /// <summary>The refusal to mix <paramref name="function"/>'s results with those of the one a checkpoint holds.</summary>
    public static CheckpointException DifferentFunction(string display, string? storedName, string? storedHash, FunctionIdentity function) => new(
        $"Checkpoint {display} holds results of {storedName} (code {storedHash?[..Math.Min(12, storedHash.Length)]}), and this map runs {function.Name} (code {function.ShortHash}): "
        + "the function or code it calls changed, so its results would be mixed with the old ones. Use another checkpoint or delete this one; "
        + "or, if the change does not affect the results, set MapOptions.CheckpointVersion to the same string in both runs (the checkpoint must have been made with it).");

    /// <summary>Every stored result by key.</summary>
    /// <exception cref="CheckpointException">The database refused the query, or is gone.</exception>
    public Dictionary<string, byte[]> LoadResults()
    {
        try
        {
            // Map is synchronous; off the caller's synchronization context, the wait cannot deadlock.
            return Task.Run(() => _connection.UseAsync(ReadResultsAsync)).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException)
        {
            throw new CheckpointException($"Checkpoint {Display} could not be read: {exception.Message}", exception);
        }

        static async Task<Dictionary<string, byte[]>> ReadResultsAsync(DbConnection connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM jobqueue_results";
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            var results = new Dictionary<string, byte[]>();
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                results[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }

            return results;
        }
    }

    /// <summary>Queues a result; <paramref name="stored"/> runs once it is committed, or with the reason it was not.</summary>
    public void Add(string key, byte[] value, Action<Exception?> stored)
    {
        if (!_pending.Writer.TryWrite(new PendingResult(key, value, stored)))
        {
            stored(new CheckpointException($"The result for item {key} arrived after checkpoint {Display} was closed with its cluster; it was not stored."));
        }
    }

    /// <summary>Stores what is queued, then closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    // Creates the tables if need be and records this function in a new store; returns what the store says.
    private static Dictionary<string, string> Prepare(DbConnection connection, CheckpointDatabase database, FunctionIdentity function)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS jobqueue_checkpoint (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
        Execute(connection, transaction, $"CREATE TABLE IF NOT EXISTS jobqueue_results (key TEXT PRIMARY KEY, value {database.BlobType} NOT NULL)");
        Execute(connection, transaction,
            "INSERT INTO jobqueue_checkpoint (name, value) VALUES ('schema', @schema), ('function', @function), ('function_name', @name) ON CONFLICT (name) DO NOTHING",
            ("@schema", SchemaVersion), ("@function", function.Hash), ("@name", function.Name));
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT name, value FROM jobqueue_checkpoint";
        var stored = new Dictionary<string, string>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                stored[reader.GetString(0)] = reader.GetString(1);
            }
        }

        transaction.Commit();
        return stored;
    }

    private static void Execute(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            AddParameter(command.Parameters, command.CreateParameter(), name, value);
        }

        command.ExecuteNonQuery();
    }

    private static void AddParameter(DbParameterCollection parameters, DbParameter parameter, string name, object value)
    {
        parameter.ParameterName = name;
        parameter.Value = value;
        parameters.Add(parameter);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingResult>();
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            var failure = await TryWriteAsync(batch).ConfigureAwait(false);
            foreach (var result in batch)
            {
                result.Stored(failure);
            }

            batch.Clear();
        }
    }

    private async Task<Exception?> TryWriteAsync(List<PendingResult> batch)
    {
        try
        {
            // Written again whole after a reconnect: a batch whose commit was lost with the connection inserts nothing twice.
            await _connection.UseAsync(connection => WriteAsync(connection, batch)).ConfigureAwait(false);
            return null;
        }
        catch (CheckpointException exception)
        {
            return exception;
        }
        catch (Exception exception)
        {
            // Whatever else failed, every result of the batch learns it: no future waits for ever.
            _logger.LogError(exception, "Checkpoint {Checkpoint}: {Count} results could not be stored", Display, batch.Count);
            return new CheckpointException($"The result could not be stored in checkpoint {Display}: {exception.Message}", exception);
        }
    }

    private static async Task<bool> WriteAsync(DbConnection connection, List<PendingResult> batch)
    {
        const string Insert = "INSERT INTO jobqueue_results (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING";
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        if (connection.CanCreateBatch)
        {
            // PostgreSQL: the whole batch in one round trip.
            await using var commands = connection.CreateBatch();
            commands.Transaction = transaction;
            foreach (var result in batch)
            {
                var command = commands.CreateBatchCommand();
                command.CommandText = Insert;
                AddParameter(command.Parameters, command.CreateParameter(), "@key", result.Key);
                AddParameter(command.Parameters, command.CreateParameter(), "@value", result.Value);
                commands.BatchCommands.Add(command);
            }

            await commands.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        else
        {
            // SQLite: in process, so one prepared statement run per result costs no round trips.
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Insert;
            var key = command.CreateParameter();
            var value = command.CreateParameter();
            AddParameter(command.Parameters, key, "@key", "");
            AddParameter(command.Parameters, value, "@value", Array.Empty<byte>());
            await command.PrepareAsync().ConfigureAwait(false);
            foreach (var result in batch)
            {
                (key.Value, value.Value) = (result.Key, result.Value);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        return true;
    }

    private readonly record struct PendingResult(string Key, byte[] Value, Action<Exception?> Stored);
}
