using JobQueue.JobScripts;

namespace JobQueue;

/// <summary>What each job of a cluster requests, resolved from its options, as a batch system's directives need it.</summary>
public sealed record JobResources
{
    internal JobResources(int cores, int processes, MemorySize memory)
    {
        Cores = cores;
        Processes = processes;
        Memory = memory;
    }

    /// <summary>Cores of the whole job.</summary>
    public int Cores { get; }

    /// <summary>Worker processes in the job, sharing its cores and memory.</summary>
    public int Processes { get; }

    /// <summary>Memory of the whole job, in bytes.</summary>
    public long MemoryBytes => Memory.Bytes;

    internal MemorySize Memory { get; }
}
