using System.Globalization;
using System.Text.RegularExpressions;
using JobQueue.JobScripts;

namespace JobQueue.Clusters.Slurm;

internal sealed partial class SlurmBatchSystem : BatchSystem<SlurmOptions>
{
    public static readonly SlurmBatchSystem Instance = new();

    public override string DisplayName => "Slurm";
    public override string ConfigSection => "slurm";
    public override string DirectivePrefix => "#SBATCH";
    public override string SubmitCommand => "sbatch";
    public override IReadOnlyList<string> CheckArguments => ["--test-only"];
    public override WalltimeSyntax WalltimeSyntax => WalltimeSyntax.Slurm;
    public override string JobIdExpression => "$SLURM_JOB_ID";

    // An array task as squeue lists it; its own SLURM_JOB_ID appears nowhere else.
    public override string ArrayTaskJobIdExpression => "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID";
    public override string ArrayTaskVariable => "SLURM_ARRAY_TASK_ID";
    public override int FirstArrayTask => 0;

    // "Submitted batch job 42", or "42" / "42;cluster" from --parsable.
    [GeneratedRegex(@"Submitted batch job (?<id>\d+)|(?m:^\s*(?<id>\d+)(?:;\S+)?\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count, string jobName) => [$"--array=0-{count - 1}"];

    // squeue -r lists every array task as <array id>_<task>, as ArrayTaskJobIdExpression expands on the node.
    public override IReadOnlyList<string> ArrayTaskIds(string arrayId, int count) =>
        Enumerable.Range(0, count).Select(task => $"{arrayId}_{task}").ToArray();

    public override string StatusCommand => "squeue";

    // -t all keeps ended jobs listed for MinJobAge (300 s by default), with their exit status; -r lists each array task.
    // Jobs are selected by name, so ids that Slurm has forgotten make no error.
    public override IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName) =>
        ["--me", "--noheader", "--states=all", "--array", $"--name={jobName}", "--Format=JobArrayID:|,JobID:|,State:|,exit_code:|,Reason"];

    public override bool ListsEndedJobs => true;

    public override IReadOnlyList<JobStatus> ParseStatus(CommandResult result)
    {
        result.EnsureSuccess();
        var jobs = new List<JobStatus>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('|');
            if (fields.Length != 5 || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                throw new FormatException($"squeue printed \"{line}\" where array id|job id|state|exit code|reason was expected.");
            }

            var state = State(fields[2]);
            jobs.Add(new JobStatus(
                fields[0], state, state >= JobState.Completed ? ExitCode(status) : null, fields[4] is "None" or "" ? null : fields[4], fields[1]));
        }

        return jobs;
    }

    public override string CancelCommand => "scancel";

    [GeneratedRegex(@"Invalid job id|already completed|Job/step already completing or completed", RegexOptions.IgnoreCase)]
    private static partial Regex GoneJob();

    public override Regex GoneJobMessage => GoneJob();

    public override (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId) =>
        ($"{logDirectory}/{jobName}-{logId}.out", $"{logDirectory}/{jobName}-{logId}.err");

    private static JobState State(string state) => state switch
    {
        "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD" or "SPECIAL_EXIT" => JobState.Pending,
        "CONFIGURING" or "RUNNING" or "COMPLETING" or "SUSPENDED" or "STOPPED" or "RESIZING" or "SIGNALING" or "STAGE_OUT" => JobState.Running,
        "COMPLETED" => JobState.Completed,
        "CANCELLED" or "PREEMPTED" or "REVOKED" => JobState.Cancelled,
        "FAILED" or "BOOT_FAIL" or "NODE_FAIL" or "OUT_OF_MEMORY" or "TIMEOUT" or "DEADLINE" => JobState.Failed,
        _ => throw new FormatException($"squeue printed the unknown job state {state}."),
    };

    // squeue prints the raw wait status: the exit code in the high byte, or the terminating signal in the low bits.
    private static int ExitCode(int status) => (status & 0x7f) == 0 ? status >> 8 : 128 + (status & 0x7f);

    protected override void AddTemplateValues(SlurmOptions options, JobResources resources, IDictionary<string, object?> values)
    {
        var cpus = OptionChecks.Positive(options.JobCpu, nameof(SlurmOptions), nameof(SlurmOptions.JobCpu), "JobCpu = 8") ?? resources.Cores;
        if (options.JobMem is { } jobMem && (jobMem.Length == 0 || jobMem.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException(
                $"SlurmOptions.JobMem = \"{jobMem}\" must be a Slurm memory amount without spaces, e.g. JobMem = \"30G\".", nameof(SlurmOptions.JobMem));
        }

        values["cpusPerTask"] = cpus;
        values["memoryRequest"] = (options.MemoryDirective ?? SlurmMemoryDirective.Mem) switch
        {
            SlurmMemoryDirective.Mem => $"--mem={options.JobMem ?? resources.Memory.ToCeilingString()}",
            SlurmMemoryDirective.MemPerCpu => $"--mem-per-cpu={options.JobMem ?? resources.Memory.DividedBy(cpus).ToMebibyteCeilingString()}",
            _ => null,
        };
    }
}
