using System.Text.RegularExpressions;
using JobQueue.JobScripts;

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
    public override string ArrayTaskVariable => "PBS_ARRAY_INDEX";
    public override int FirstArrayTask => 0;

    // "42.server", "42[].server", or a bare "42" from Torque-style wrappers.
    [GeneratedRegex(@"(?m:^\s*(?<id>\d+(?:\[\d*\])?(?:\.[\w.-]+)?)\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count) => ["-J", $"0-{count - 1}"];

    protected override void AddTemplateValues(PBSOptions options, JobResources resources, IDictionary<string, object?> values) =>
        values["resources"] = options.ResourceSpec ?? $"select=1:ncpus={resources.Cores}:mem={resources.Memory.ToPbsString()}";
}
