using System.Text.RegularExpressions;
using JobQueue.JobScripts;

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
    public override string ArrayTaskVariable => "SGE_TASK_ID";
    public override int FirstArrayTask => 1;

    // "Your job 42 ("name") has been submitted", "Your job-array 42.1-3:1 (...)", or -terse: "42" / "42.1-3:1".
    [GeneratedRegex(@"Your job(?:-array)? (?<id>\d+)(?:\.(?<tasks>\d+-\d+:\d+))?|(?m:^\s*(?<id>\d+)(?:\.(?<tasks>\d+-\d+:\d+))?\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count) => ["-t", $"1-{count}"];

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
