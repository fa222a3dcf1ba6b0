using System.Globalization;
using System.Text.RegularExpressions;
using JobQueue;

namespace CustomBatchSystem;

/// <summary>
/// IBM Spectrum LSF, added from outside JobQueue as dask-jobqueue users subclass <c>JobQueueCluster</c>: the script goes
/// to <c>bsub</c> on its standard input, <c>bjobs</c> lists the jobs, <c>bkill</c> cancels them, <c>#BSUB</c> starts
/// the directives of <c>lsf.sh.scriban</c>. Written from LSF's documentation; no LSF was available to run it.
/// </summary>
public sealed partial class LsfBatchSystem : BatchSystem<LsfOptions>
{
    /// <summary>The one instance every <see cref="LsfCluster"/> shares: a batch system holds no state.</summary>
    public static readonly LsfBatchSystem Instance = new();

    private static readonly string[] LimitUnits = ["KB", "MB", "GB", "TB"];

    public override string DisplayName => "LSF";
    public override string ConfigSection => "lsf";
    public override string DirectivePrefix => "#BSUB";
    public override string SubmitCommand => "bsub";
    public override WalltimeSyntax WalltimeSyntax => WalltimeSyntax.HoursMinutes;

    // "Job <4242> is submitted to default queue <normal>."
    [GeneratedRegex(@"Job <(?<id>\d+)> is submitted")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    // bjobs lists a job as 4242 and the tasks of an array as 4242[1], 4242[2]…
    public override string JobIdExpression => "$LSB_JOBID";
    public override string ArrayTaskJobIdExpression => "${LSB_JOBID}[${LSB_JOBINDEX}]";
    public override string ArrayTaskVariable => "LSB_JOBINDEX";
    public override int FirstArrayTask => 1;

    // An LSF array is a job name with an index range; -J on the command line overrides the script's #BSUB -J.
    public override IReadOnlyList<string> ArraySubmitArguments(int count, string jobName) => ["-J", $"{jobName}[1-{count}]"];

    public override IReadOnlyList<string> ArrayTaskIds(string arrayId, int count) =>
        Enumerable.Range(1, count).Select(task => $"{arrayId}[{task}]").ToArray();

    public override string StatusCommand => "bjobs";

    // -a keeps ended jobs listed for CLEAN_PERIOD (an hour by default); -o picks the fields, one job per line.
    public override IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName) =>
        ["-a", "-noheader", "-o", "jobid jobindex stat exit_code delimiter='|'", .. ids];

    public override bool ListsEndedJobs => true;

    public override IReadOnlyList<JobStatus> ParseStatus(CommandResult result)
    {
        // bjobs exits with 255 when some of the ids are forgotten ("Job <42> is not found"): those are simply absent.
        if (result.ExitCode != 0 && !Lines(result.StandardError).All(line => GoneJob().IsMatch(line)))
        {
            result.EnsureSuccess();
        }

        return Lines(result.StandardOutput).Select(Status).ToArray();
    }

    public override string CancelCommand => "bkill";

    // "Job <42>: Job has already finished", "Job <43>: No matching job found".
    [GeneratedRegex(@"Job has already finished|No matching job found|is not found")]
    private static partial Regex GoneJob();

    public override Regex GoneJobMessage => GoneJob();

    // The template names them <job name>-%J-%I.out/.err: %J the job id, %I the array index (0 outside an array).
    public override (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId)
    {
        var match = TaskId().Match(logId);
        var stem = $"{logDirectory}/{jobName}-{match.Groups["job"].Value}-{(match.Groups["index"].Success ? match.Groups["index"].Value : "0")}";
        return ($"{stem}.out", $"{stem}.err");
    }

    [GeneratedRegex(@"^(?<job>\d+)(?:\[(?<index>\d+)\])?$")]
    private static partial Regex TaskId();

    protected override void AddTemplateValues(LsfOptions options, JobResources resources, IDictionary<string, object?> values)
    {
        var unit = options.LimitUnit ?? "KB";
        var exponent = Array.IndexOf(LimitUnits, unit.ToUpperInvariant());
        if (exponent < 0)
        {
            throw new ArgumentException(
                $"LsfOptions.LimitUnit = \"{unit}\" is not a unit LSF takes; use KB, MB, GB or TB as LSF_UNIT_FOR_LIMITS in lsf.conf says, e.g. LimitUnit = \"MB\".",
                nameof(LsfOptions.LimitUnit));
        }

        // -M is the job's memory limit in the site's unit, rounded up so the workers' share always fits.
        var divisor = (long)Math.Pow(1024, exponent + 1);
        values["memoryLimit"] = ((resources.MemoryBytes + divisor - 1) / divisor).ToString(CultureInfo.InvariantCulture) + LimitUnits[exponent];
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // "4242|0|RUN|-": job id, array index (0 for a plain job), state, exit code ("-" until it exits non-zero).
    private static JobStatus Status(string line)
    {
        var fields = line.Split('|');
        if (fields.Length != 4 || !TaskId().IsMatch(fields[0]) || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new FormatException($"bjobs printed \"{line}\" where job id|array index|state|exit code was expected.");
        }

        int? exitCode = int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
        var state = fields[2] switch
        {
            "PEND" or "PSUSP" or "WAIT" => JobState.Pending,
            "RUN" or "USUSP" or "SSUSP" or "UNKWN" => JobState.Running,
            "DONE" => JobState.Completed,
            "EXIT" => JobState.Failed,
            "ZOMBI" => JobState.Lost,
            var other => throw new FormatException($"bjobs printed the unknown job state {other}."),
        };
        return new JobStatus(index == 0 ? fields[0] : $"{fields[0]}[{index}]", state, state == JobState.Completed ? exitCode ?? 0 : exitCode);
    }
}
