using Microsoft.Data.Sqlite;

namespace JobQueue.Tests.Checkpoints;

/// <summary>An SQLite checkpoint file in a directory of its own, deleted afterwards.</summary>
internal sealed class TestSqlite : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("jobqueue-checkpoint-");

    public string Path => System.IO.Path.Combine(_directory.FullName, "results.db");

    /// <summary>How many results the checkpoint holds (0 before it exists), read as another process would.</summary>
    public long StoredResults() => File.Exists(Path) ? (long)Scalar("SELECT count(*) FROM jobqueue_results", orElse: 0L)! : 0;

    /// <summary>Runs <paramref name="sql"/> on the file; <paramref name="orElse"/> when its tables do not exist yet.</summary>
    public object? Scalar(string sql, object? orElse = null)
    {
        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return command.ExecuteScalar();
        }
        catch (SqliteException exception) when (exception.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return orElse;
        }
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
