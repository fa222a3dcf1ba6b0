using System.Globalization;
using System.Text.RegularExpressions;

namespace JobQueue.Clusters.Pbs;

internal sealed partial class PbsBatchSystem : BatchSystem<PBSOptions>
{
    public static readonly PbsBatchSystem Instance = new();

    public override string DisplayName => "PBS";
    public override string ConfigSection => "pbs";
    public override string DirectivePrefix => "#PBS";
    public override string SubmitCommand => "qsub";

    // PBS has no way to check a script without queueing it.
    public override IReadOnlyList<string>? CheckArguments => null;

    public override WalltimeSyntax WalltimeSyntax => WalltimeSyntax.HoursMinutesSeconds;
    // PBS_JOBID holds an array task's own id too (42[3].server), as qstat lists it. Slurm's Torque-style qsub sets
    // no PBS_JOBID, and its qstat lists the Slurm job id.
    public override string JobIdExpression => "${PBS_JOBID:-$SLURM_JOB_ID}";
    public override string ArrayTaskJobIdExpression => JobIdExpression;
    public override string ArrayTaskVariable => "PBS_ARRAY_INDEX";
    public override int FirstArrayTask => 0;

    // "42.server", "42[].server", or a bare "42" from Torque-style wrappers.
    [GeneratedRegex(@"(?m:^\s*(?<id>\d+(?:\[\d*\])?(?:\.[\w.-]+)?)\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count, string jobName) => ["-J", $"0-{count - 1}"];

    // "42[].server" -> "42[0].server"; a bare "42" from a wrapper -> "42[0]".
    public override IReadOnlyList<string> ArrayTaskIds(string arrayId, int count) =>
        Enumerable.Range(0, count)
            .Select(task => arrayId.Contains("[]", StringComparison.Ordinal)
                ? arrayId.Replace("[]", $"[{task}]", StringComparison.Ordinal)
                : arrayId.Insert(arrayId.IndexOf('.') is var dot and >= 0 ? dot : arrayId.Length, $"[{task}]"))
            .ToArray();

    // -N on the command line too: the Torque-style qsub on Slurm otherwise names the job and its logs after the file.
    public override IReadOnlyList<string>? ScriptFileArguments(string jobName) => ["-N", jobName];

    public override string StatusCommand => "qstat";

    // Full status of the given jobs: qstat prints those it knows and complains about the others.
    public override IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName) => ["-f", .. ids];

    public override IReadOnlyList<JobStatus> ParseStatus(CommandResult result)
    {
        if (result.ExitCode != 0 && !OnlyUnknownJobs(result))
        {
            result.EnsureSuccess();
        }

        var jobs = new List<JobStatus>();
        foreach (var block in result.StandardOutput.Split("Job Id:", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lines = block.Split('\n', StringSplitOptions.TrimEntries);
            var attributes = lines.Skip(1)
                .Select(line => line.Split(" = ", 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0].ToLowerInvariant())
                .ToDictionary(group => group.Key, group => group.First()[1]);
            var code = attributes.GetValueOrDefault("job_state") ?? throw new FormatException($"qstat -f printed job {lines[0]} without a job_state.");
            int? exit = attributes.GetValueOrDefault("exit_status") is { } text && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : null;
            jobs.Add(new JobStatus(lines[0], State(code, exit), exit));
        }

        return jobs;
    }

    public override string CancelCommand => "qdel";

    [GeneratedRegex(@"Unknown Job Id|Job has finished|already|does not exist", RegexOptions.IgnoreCase)]
    private static partial Regex GoneJob();

    public override Regex GoneJobMessage => GoneJob();

    // Torque's names, <job name>.o<sequence number> and .e<sequence number>; the Torque-style qsub on Slurm writes them into the directory it runs in.
    public override (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId)
    {
        var sequence = logId.Split('.')[0];
        return ($"{logDirectory}/{jobName}.o{sequence}", $"{logDirectory}/{jobName}.e{sequence}");
    }

    // PBS letters: Q queued, H held, W waiting, T moving, M moved, R running, E exiting, S/U suspended, B array begun, C/F/X finished.
    private static JobState State(string code, int? exit) => code switch
    {
        "Q" or "H" or "W" or "T" or "M" => JobState.Pending,
        "R" or "E" or "S" or "U" or "B" => JobState.Running,
        "C" or "F" or "X" => exit switch
        {
            null => JobState.Lost,
            0 => JobState.Completed,
            _ => JobState.Failed,
        },
        _ => throw new FormatException($"qstat printed the unknown job state \"{code}\"."),
    };

    // A failure that says nothing is no news of the jobs: counting them all as ended would submit replacements for jobs
    // that may well be running (the caller keeps their states). Torque-style wrappers say nothing for jobs long gone too.
    private static bool OnlyUnknownJobs(CommandResult result)
    {
        var complaints = (result.StandardError + "\n" + result.StandardOutput).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("Job Id:", StringComparison.Ordinal) && !line.Contains(" = ", StringComparison.Ordinal))
            .ToList();
        var saidSomething = complaints.Count > 0 || result.StandardOutput.Contains("Job Id:", StringComparison.Ordinal);
        return saidSomething && complaints.All(line => GoneJob().IsMatch(line));
    }

    protected override void AddTemplateValues(PBSOptions options, JobResources resources, IDictionary<string, object?> values) =>
        values["resources"] = options.ResourceSpec ?? $"select=1:ncpus={resources.Cores}:mem={resources.Memory.ToPbsString()}";
}
