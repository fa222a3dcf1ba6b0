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
    public override string ArrayTaskVariable => "SLURM_ARRAY_TASK_ID";
    public override int FirstArrayTask => 0;

    // "Submitted batch job 42", or "42" / "42;cluster" from --parsable.
    [GeneratedRegex(@"Submitted batch job (?<id>\d+)|(?m:^\s*(?<id>\d+)(?:;\S+)?\s*$)")]
    private static partial Regex SubmitOutput();

    public override Regex JobIdPattern => SubmitOutput();

    public override IReadOnlyList<string> ArraySubmitArguments(int count) => [$"--array=0-{count - 1}"];

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
