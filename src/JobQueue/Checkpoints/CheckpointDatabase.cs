using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace JobQueue.Checkpoints;

/// <summary>
/// Where a checkpoint lives, from <see cref="MapOptions.Checkpoint"/>: a PostgreSQL connection string
/// (<c>Host=...;Database=...</c>) or URL (<c>postgresql://user:password@host:port/database</c>), or else the path of
/// an SQLite file.
/// </summary>
internal sealed record CheckpointDatabase(string Display, Func<DbConnection> Connect, string BlobType, string Setup)
{
    private static readonly string[] UrlSchemes = ["postgresql://", "postgres://"];

    /// <exception cref="CheckpointException">The location is empty or a malformed PostgreSQL connection string or URL.</exception>
    public static CheckpointDatabase Parse(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            throw new CheckpointException("MapOptions.Checkpoint is empty: give the path of an SQLite file, e.g. \"results.db\", or a PostgreSQL connection string, e.g. \"Host=db.example.org;Database=work;Username=me\".");
        }

        if (UrlSchemes.FirstOrDefault(scheme => location.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) is not null)
        {
            return Postgres(FromUrl(location));
        }

        if (location.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return Postgres(location);
        }

        var path = Path.GetFullPath(location);
        CreatePrivate(path);
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        // WAL: a commit appends to the log with one write and readers never block the writer. synchronous=NORMAL
        // skips the fsync per commit: a committed result survives the client's death (the write is in the kernel's
        // hands), only a power loss may lose the last commits.
        return new CheckpointDatabase(path, () => new SqliteConnection(connection), "BLOB", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    }

    /// <summary>
    /// Creates a missing SQLite file readable by this user only (0600), whatever the umask: results may be as private
    /// as the inputs they came from. SQLite gives the -wal and -shm files it makes beside it the database file's mode.
    /// </summary>
    private static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another client created it in between; SQLite opens it as it is.
        }
        catch (DirectoryNotFoundException)
        {
            // SQLite reports the missing directory when it opens the file, with the message users know.
        }
    }

    private static CheckpointDatabase Postgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw new CheckpointException($"MapOptions.Checkpoint is not a valid PostgreSQL connection string ({exception.Message}); e.g. \"Host=db.example.org;Database=work;Username=me\".", exception);
        }

        // Never show the password in messages and logs.
        var display = $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}" + (builder.SearchPath is { } schema ? $" (schema {schema})" : "");
        return new CheckpointDatabase(display, () => new NpgsqlConnection(builder.ConnectionString), "BYTEA", "");
    }

    private static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new CheckpointException("MapOptions.Checkpoint is not a valid PostgreSQL URL: use postgresql://user:password@host:port/database.");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Split(':', 2) is [var user, ..] and var parts && user.Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(user);
            builder.Password = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : null;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : (pair, "");
            try
            {
                builder[Uri.UnescapeDataString(key)] = Uri.UnescapeDataString(value);
            }
            catch (ArgumentException exception)
            {
                throw new CheckpointException($"MapOptions.Checkpoint: the PostgreSQL URL's parameter {key} is not a connection setting ({exception.Message}).", exception);
            }
        }

        return builder.ConnectionString;
    }
}
