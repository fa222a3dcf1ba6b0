using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// A <see cref="JobQueueOptions.CommandDirectory"/> of the real batch commands in which one of them can be made to hang
/// (it sleeps, as a squeue does when slurmctld is stuck) or to fail saying nothing; until then it runs the real one.
/// Readable by the SSH test user too, so it serves as the CommandDirectory on the login node.
/// </summary>
internal sealed class FlakyCommands : IDisposable
{
    private readonly DirectoryInfo _directory;

    private FlakyCommands(IReadOnlyDictionary<string, string> realCommands, string flaky)
    {
        _directory = Directory.CreateTempSubdirectory("jobqueue-flaky-");
        File.SetUnixFileMode(_directory.FullName, (UnixFileMode)0b111_101_101);
        foreach (var (name, real) in realCommands.Where(command => command.Key != flaky))
        {
            File.CreateSymbolicLink(Path.Combine(_directory.FullName, name), real);
        }

        // The sleep is long enough that only the cluster's kill ends it within a test; the login node's copy ends by itself.
        var script = Path.Combine(_directory.FullName, flaky);
        File.WriteAllText(script, $"""
            #!/bin/sh
            here='{_directory.FullName}'
            if [ -e "$here/hang" ]; then {"{"} echo $$ >> "$here/hung"; {"}"} 2>/dev/null; exec sleep 120; fi
            if [ -e "$here/fail" ]; then exit 153; fi
            exec '{realCommands[flaky]}' "$@"

            """);
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
    }

    public string CommandDirectory => _directory.FullName;

    /// <summary>Slurm's sbatch, squeue and scancel from PATH, <paramref name="flaky"/> among them.</summary>
    public static FlakyCommands Slurm(string flaky) =>
        new(new[] { "sbatch", "squeue", "scancel" }.ToDictionary(command => command, Which), flaky);

    /// <summary>Every command of the Torque-style wrappers (qsub finds sbatch beside itself), <paramref name="flaky"/> among them.</summary>
    public static FlakyCommands Pbs(string flaky) =>
        new(Directory.GetFiles(LocalBatchSystems.Fact("PBS_COMMAND_DIR")).ToDictionary(file => Path.GetFileName(file), file => file), flaky);

    public void Hang() => File.WriteAllText(Path.Combine(CommandDirectory, "hang"), "");

    public void FailSilently() => File.WriteAllText(Path.Combine(CommandDirectory, "fail"), "");

    public void Answer()
    {
        File.Delete(Path.Combine(CommandDirectory, "hang"));
        File.Delete(Path.Combine(CommandDirectory, "fail"));
    }

    /// <summary>Fails unless the command hung at least once on this machine and every process that hung is gone within the deadline.</summary>
    public async Task AssertHungProcessesKilledAsync()
    {
        var hung = File.ReadAllLines(Path.Combine(CommandDirectory, "hung")).Select(int.Parse).ToArray();
        Assert.NotEmpty(hung);
        await Eventually.HoldsAsync(() => hung.All(pid => !IsRunning(pid)), TestClusterFactory.Deadline, $"the hung commands (pids {string.Join(' ', hung)}) were killed");
    }

    public void Dispose() => _directory.Delete(recursive: true);

    // A killed process not yet reaped is a zombie: it no longer runs.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Which(string command) =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(directory => Path.Combine(directory, command)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{command} is not on PATH.");
}
