using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace JobQueue.Clusters.GridEngine;

internal sealed partial class SgeBatchSystem : BatchSystem<SGEOptions>
{
    public static readonly SgeBatchSystem Instance = new();

    public override string DisplayName => "Grid Engine";
    public override string ConfigSection => "sge";
    public override string DirectivePrefix => "#$";
    public override string SubmitCommand => "qsub";
    public override IReadOnlyList<string> CheckArguments => ["-w", "v"];
    public override WalltimeSyntax WalltimeSyntax => WalltimeSyntax.HoursMinutesSeconds;
    public override string JobIdExpression => "$JOB_ID";

    // qstat lists an array's tasks, and qdel takes them, as <job>.<task>.
    public override string ArrayTaskJobIdExpression => "$JOB_ID.$SGE_TASK_ID";
    public override string ArrayTaskVariable => "SGE_TASK_ID";
    public override int FirstArrayTask => 1;

    // "Your job 42 ("name") has been submitted", "Your job-array 42.1-3:1 (...)", or -terse: "42" / "42.1-3:1".
    [GeneratedRegex(@"Your job(?:-array)? (?<id>\d+)(?:\.(?<tasks>\d+-\d+:\d+))?|(?m:^\s*(?<id>\d+)(?:\.(?<tasks>\d+-\d+:\d+))?\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count, string jobName) => ["-t", $"1-{count}"];

    public override IReadOnlyList<string> ArrayTaskIds(string arrayId, int count) =>
        Enumerable.Range(1, count).Select(task => $"{arrayId}.{task}").ToArray();

    public override string StatusCommand => "qstat";

    // The user's queued and running jobs; Grid Engine forgets a job as soon as it ends.
    public override IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName) => ["-xml"];

    public override IReadOnlyList<JobStatus> ParseStatus(CommandResult result)
    {
        result.EnsureSuccess();
        XDocument document;
        try
        {
            document = XDocument.Parse(result.StandardOutput);
        }
        catch (XmlException exception)
        {
            throw new FormatException($"qstat -xml printed no XML: {exception.Message}", exception);
        }

        var jobs = new List<JobStatus>();
        foreach (var job in document.Descendants("job_list"))
        {
            var number = job.Element("JB_job_number")?.Value ?? throw new FormatException("qstat -xml listed a job without JB_job_number.");
            var code = job.Element("state")?.Value ?? "";
            var state = State(code);
            var reason = state == JobState.Failed ? $"Grid Engine error state {code}; qstat -j {number} tells why" : null;
            if (job.Element("tasks")?.Value is { Length: > 0 } tasks)
            {
                jobs.AddRange(TaskIndexes(tasks).Select(task => new JobStatus($"{number}.{task}", state, Reason: reason)));
            }
            else
            {
                jobs.Add(new JobStatus(number, state, Reason: reason));
            }
        }

        return jobs;
    }

    public override string CancelCommand => "qdel";

    [GeneratedRegex(@"does not exist|is already in deletion")]
    private static partial Regex GoneJob();

    public override Regex GoneJobMessage => GoneJob();

    // -j y joins standard error into the output file, named <job name>.o<job id>[.<task>].
    public override (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId) =>
        ($"{logDirectory}/{jobName}.o{logId}", null);

    // Letters of qstat's state column: E error, d deletion (qdel), h hold, q queued, w waiting, r running, t transferring, s/S/T suspended, R restarted.
    private static JobState State(string code) =>
        code.Contains('E') ? JobState.Failed
        : code.Contains('d') ? JobState.Cancelled
        : code.IndexOfAny(['r', 't', 's', 'S', 'T', 'R']) >= 0 ? JobState.Running
        : code.Contains('q') || code.Contains('h') || code.Contains('w') ? JobState.Pending
        : throw new FormatException($"qstat printed the unknown job state \"{code}\".");

    // "7", "1-3:1", "2-10:2" or a comma-separated list of these.
    private static IEnumerable<int> TaskIndexes(string tasks) =>
        tasks.Split(',').SelectMany(range =>
        {
            var match = TaskRange().Match(range.Trim());
            if (!match.Success)
            {
                throw new FormatException($"qstat printed the task range \"{tasks}\" where e.g. 1-3:1 was expected.");
            }

            var first = int.Parse(match.Groups["first"].Value, CultureInfo.InvariantCulture);
            var last = match.Groups["last"].Success ? int.Parse(match.Groups["last"].Value, CultureInfo.InvariantCulture) : first;
            var step = match.Groups["step"].Success ? int.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture) : 1;
            return Enumerable.Range(0, ((last - first) / step) + 1).Select(k => first + (k * step));
        });

    [GeneratedRegex(@"^(?<first>\d+)(?:-(?<last>\d+)(?::(?<step>\d+))?)?$")]
    private static partial Regex TaskRange();

    protected override void AddTemplateValues(SGEOptions options, JobResources resources, IDictionary<string, object?> values)
    {
        // Memory resources such as h_vmem count per slot, and a parallel environment gives one slot per core.
        var slots = options.ParallelEnvironment is null ? 1 : resources.Cores;
        values["project"] = options.Project;
        values["resourceSpec"] = options.ResourceSpec;
        values["parallelEnvironment"] = options.ParallelEnvironment;
        values["memoryRequest"] = options.MemoryResource is { } resource
            ? $"{resource}={resources.Memory.DividedBy(slots).ToMebibyteCeilingString()}"
            : null;
        values["shell"] = options.Shell;
    }
}
