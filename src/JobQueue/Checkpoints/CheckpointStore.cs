using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace JobQueue.Checkpoints;

/// <summary>
/// One checkpoint database: the encoded result of each finished item under its key, and the identity of the
/// function that computed them. Results are written by one background loop in transactions of whatever has arrived
/// meanwhile, so a busy map commits many results at once and a quiet one commits each at once; a result's callback
/// runs only after its transaction committed.
/// </summary>
internal sealed class CheckpointStore : IAsyncDisposable
{
    /// <summary>The layout of the tables below; a store with another one is refused rather than misread.</summary>
    public const string SchemaVersion = "1";

    private const int MaxBatch = 4096;

    private readonly CheckpointDatabase _database;
    private readonly DbConnection _connection;
    private readonly SemaphoreSlim _connectionGate = new(1, 1);
    private readonly Channel<PendingResult> _pending = Channel.CreateUnbounded<PendingResult>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _writer;

    private CheckpointStore(CheckpointDatabase database, DbConnection connection, FunctionIdentity function, ILogger logger)
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
        var connection = database.Connect();
        try
        {
            connection.Open();
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

            return new CheckpointStore(database, connection, function, logger);
        }
        catch (Exception exception)
        {
            connection.Dispose();
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
    public Dictionary<string, byte[]> LoadResults()
    {
        _connectionGate.Wait();
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM jobqueue_results";
            using var reader = command.ExecuteReader();
            var results = new Dictionary<string, byte[]>();
            while (reader.Read())
            {
                results[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }

            return results;
        }
        catch (DbException exception)
        {
            throw new CheckpointException($"Checkpoint {Display} could not be read: {exception.Message}", exception);
        }
        finally
        {
            _connectionGate.Release();
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
        _connectionGate.Dispose();
    }

    // Creates the tables if need be and records this function in a new store; returns what the store says.
    private static Dictionary<string, string> Prepare(DbConnection connection, CheckpointDatabase database, FunctionIdentity function)
    {
        if (database.Setup.Length > 0)
        {
            Execute(connection, null, database.Setup);
        }

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
        const string Insert = "INSERT INTO jobqueue_results (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING";
        await _connectionGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var transaction = await _connection.BeginTransactionAsync().ConfigureAwait(false);
            if (_connection.CanCreateBatch)
            {
                // PostgreSQL: the whole batch in one round trip.
                await using var commands = _connection.CreateBatch();
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
                await using var command = _connection.CreateCommand();
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
            return null;
        }
        catch (DbException exception)
        {
            _logger.LogError(exception, "Checkpoint {Checkpoint}: {Count} results could not be stored", Display, batch.Count);
            return new CheckpointException($"The result could not be stored in checkpoint {Display}: {exception.Message}", exception);
        }
        finally
        {
            _connectionGate.Release();
        }
    }

    private readonly record struct PendingResult(string Key, byte[] Value, Action<Exception?> Stored);
}
