namespace JobQueue;

/// <summary>How a Slurm job asks for memory.</summary>
public enum SlurmMemoryDirective
{
    /// <summary><c>--mem</c>: memory of the whole job.</summary>
    Mem,

    /// <summary><c>--mem-per-cpu</c>: memory divided by the job's CPUs, for sites that require it.</summary>
    MemPerCpu,

    /// <summary>No memory directive, for sites that refuse one.</summary>
    None,
}
