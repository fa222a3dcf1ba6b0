using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace JobQueue.Checkpoints;

/// <summary>
/// A checkpoint's one connection to its database, used by one caller at a time. When the server drops it (a restart,
/// a failover, <c>pg_terminate_backend</c>), the work that met the broken connection is run again on a new one, opened
/// with backoff for at most <see cref="ReconnectLimit"/>; after that the database counts as gone and every later use
/// fails at once, so that no result waits on it for ever.
/// </summary>
internal sealed class CheckpointConnection : IAsyncDisposable
{
    /// <summary>How long a dropped connection is tried again before the checkpoint gives up.</summary>
    public static readonly TimeSpan ReconnectLimit = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(5);

    private readonly CheckpointDatabase _database;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbConnection _connection;
    private CheckpointException? _gone;

    public CheckpointConnection(CheckpointDatabase database, DbConnection opened, ILogger logger)
    {
        _database = database;
        _connection = opened;
        _logger = logger;
    }

    /// <summary>Opens a connection to <paramref name="database"/> and runs its setup statements.</summary>
    public static DbConnection Open(CheckpointDatabase database)
    {
        var connection = database.Connect();
        try
        {
            connection.Open();
            if (database.Setup.Length > 0)
            {
                using var setup = connection.CreateCommand();
                setup.CommandText = database.Setup;
                setup.ExecuteNonQuery();
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the connection, again on a new connection when the old one broke under it.
    /// A failure on a connection that is still open (a statement the database refused) is the work's own and is thrown.
    /// </summary>
    /// <exception cref="CheckpointException">The connection broke and no new one could be opened within <see cref="ReconnectLimit"/>, now or before.</exception>
    public async Task<T> UseAsync<T>(Func<DbConnection, Task<T>> work)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            DateTimeOffset? giveUpAt = null;
            var delay = FirstDelay;
            while (true)
            {
                if (_gone is { } gone)
                {
                    throw gone;
                }

                try
                {
                    if (_connection.State != ConnectionState.Open)
                    {
                        await ReopenAsync().ConfigureAwait(false);
                    }

                    return await work(_connection).ConfigureAwait(false);
                }
                catch (Exception exception) when (IsConnectionFailure(exception) && _connection.State != ConnectionState.Open)
                {
                    var now = DateTimeOffset.UtcNow;
                    if (giveUpAt is null)
                    {
                        giveUpAt = now + ReconnectLimit;
                        _logger.LogWarning("Checkpoint {Checkpoint} lost its connection ({Reason}); reconnecting for up to {Seconds} s", _database.Display, exception.Message, ReconnectLimit.TotalSeconds);
                    }
                    else if (now >= giveUpAt)
                    {
                        _gone = new CheckpointException(
                            $"Checkpoint {_database.Display} lost its connection and could not reconnect within {ReconnectLimit.TotalSeconds} s ({exception.Message}); the results stored before are kept: run the map again to compute the others.",
                            exception);
                        _logger.LogError("{Message}", _gone.Message);
                        throw _gone;
                    }

                    await Task.Delay(delay).ConfigureAwait(false);
                    delay = delay * 2 < LongestDelay ? delay * 2 : LongestDelay;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Release();
        _gate.Dispose();
    }

    // Npgsql reports a dropped connection as NpgsqlException (a DbException) and any later use of it as
    // InvalidOperationException; the network under it as IOException, SocketException or TimeoutException.
    private static bool IsConnectionFailure(Exception exception) =>
        exception is DbException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or TimeoutException;

    private async Task ReopenAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = await Task.Run(() => Open(_database)).ConfigureAwait(false);
        _logger.LogInformation("Checkpoint {Checkpoint} is connected again", _database.Display);
    }
}
