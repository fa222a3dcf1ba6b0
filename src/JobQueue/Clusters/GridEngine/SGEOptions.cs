namespace JobQueue;

/// <summary>Settings of an <see cref="SGECluster"/> (Sun/Son of Grid Engine, Univa/Altair Grid Engine).</summary>
public sealed record SGEOptions : JobQueueOptions
{
    /// <summary>Project charged for the jobs (<c>-P</c>).</summary>
    public string? Project { get; init; }

    /// <summary>Resource requests written as given (<c>-l</c>), e.g. <c>"arch=lx-amd64"</c>.</summary>
    public string? ResourceSpec { get; init; }

    /// <summary>Parallel environment that grants the job its cores, e.g. <c>"smp"</c> gives <c>#$ -pe smp &lt;cores&gt;</c>.</summary>
    public string? ParallelEnvironment { get; init; }

    /// <summary>Complex that limits memory per slot, e.g. <c>"h_vmem"</c> gives <c>#$ -l h_vmem=&lt;memory per slot&gt;</c>.</summary>
    public string? MemoryResource { get; init; }

    /// <summary>Shell that runs the job script (<c>-S</c>), e.g. <c>"/bin/bash"</c>.</summary>
    public string? Shell { get; init; }
}
