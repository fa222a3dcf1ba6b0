namespace JobQueue.Tests.Checkpoints;

/// <summary>
/// A directory where a map's function writes each item it runs, one file per worker process (appends from several
/// processes to one file could interleave): how the tests count what was computed.
/// </summary>
internal sealed class ExecutionLog : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("jobqueue-executions-");

    public string Directory => _directory.FullName;

    /// <summary>The items run so far, one entry per execution.</summary>
    public List<int> Items() => System.IO.Directory.GetFiles(Directory).SelectMany(File.ReadAllLines).Select(int.Parse).ToList();

    /// <summary>A function that squares its item and records the execution in <paramref name="directory"/>.</summary>
    public static Func<int, int> CountedSquare(string directory) => x =>
    {
        Record(directory, x);
        return x * x;
    };

    /// <summary>Records, on a worker, that <paramref name="item"/> runs.</summary>
    public static void Record(string directory, int item) => File.AppendAllText(Path.Combine(directory, $"{Environment.ProcessId}.txt"), $"{item}\n");

    public void Dispose() => _directory.Delete(recursive: true);
}
