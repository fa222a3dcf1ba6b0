namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// The local Slurm, Grid Engine and PBS-style commands that scripts/setup-test-env.sh installs and starts, and
/// the facts it wrote to /opt/jobqueue-test/env (or $JOBQUEUE_TEST_ENV).
/// </summary>
internal static class LocalBatchSystems
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Facts = new(ReadFacts);

    public static string EnvironmentFile => Environment.GetEnvironmentVariable("JOBQUEUE_TEST_ENV") ?? "/opt/jobqueue-test/env";

    public static bool IsContinuousIntegration => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The fact <paramref name="key"/>; fails with a pointer to the setup script when it is missing.</summary>
    public static string Fact(string key) =>
        Facts.Value.TryGetValue(key, out var value)
            ? value
            : throw new InvalidOperationException($"{EnvironmentFile} has no {key}: run 'bash scripts/setup-test-env.sh' as root to set up the local batch systems.");

    /// <summary>The fact <paramref name="key"/>, or null when the environment file or the fact is missing.</summary>
    public static string? OptionalFact(string key) => File.Exists(EnvironmentFile) ? Facts.Value.GetValueOrDefault(key) : null;

    /// <summary>Why tests of <paramref name="command"/> cannot run here, or null when they can.</summary>
    public static string? MissingReason(string command, string? directoryFact = null)
    {
        if (!File.Exists(EnvironmentFile))
        {
            return $"{EnvironmentFile} does not exist: run 'bash scripts/setup-test-env.sh' as root.";
        }

        var directory = directoryFact is null ? null : Facts.Value.GetValueOrDefault(directoryFact);
        var found = directory is not null
            ? File.Exists(Path.Combine(directory, command))
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(path => File.Exists(Path.Combine(path, command)));
        return found ? null : $"{command} is not installed here: run 'bash scripts/setup-test-env.sh' as root.";
    }

    /// <summary>Makes Grid Engine's client find its cell, as a user's settings.sh would.</summary>
    public static void UseGridEngine()
    {
        foreach (var variable in new[] { "SGE_ROOT", "SGE_CELL" })
        {
            Environment.SetEnvironmentVariable(variable, Fact(variable));
        }
    }

    private static IReadOnlyDictionary<string, string> ReadFacts() =>
        File.ReadAllLines(EnvironmentFile)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && line.Contains('='))
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim('"', '\''));
}

/// <summary>
/// A test that needs a local batch system. Where it is missing the test is skipped, except under CI=true, where it
/// runs and fails: CI must never pass without having exercised the real batch system.
/// </summary>
public sealed class BatchSystemFactAttribute : FactAttribute
{
    public BatchSystemFactAttribute(string command, string? directoryFact = null)
    {
        if (!LocalBatchSystems.IsContinuousIntegration && LocalBatchSystems.MissingReason(command, directoryFact) is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Tests that submit to the local batch systems run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BatchSystemCollection
{
    public const string Name = "Local batch systems";
}
