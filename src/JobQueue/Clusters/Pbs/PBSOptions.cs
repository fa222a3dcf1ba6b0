namespace JobQueue;

/// <summary>Settings of a <see cref="PBSCluster"/> (PBS Pro, OpenPBS, Torque).</summary>
public sealed record PBSOptions : JobQueueOptions
{
    /// <summary>Resource request written as given in place of the generated <c>select=1:ncpus=…:mem=…</c>, e.g. <c>"nodes=1:ppn=8,mem=24gb"</c>.</summary>
    public string? ResourceSpec { get; init; }
}
