using JobQueue.Configuration;
using JobQueue.JobScripts;
using JobQueue.Submission;
using JobQueue.Options;

namespace JobQueue.Tests.JobScripts;

/// <summary>Clusters built without the machine's configuration file, so results do not depend on who runs the tests.</summary>
internal static class TestClusters
{
    public const string WorkerCommand = "dotnet /opt/jobqueue/WorkerHost.dll";

    public static SlurmCluster Slurm(SlurmOptions options, JobQueueConfig? config = null) => new(options, config ?? JobQueueConfig.Empty);

    public static SGECluster Sge(SGEOptions options, JobQueueConfig? config = null) => new(options, config ?? JobQueueConfig.Empty);

    public static PBSCluster Pbs(PBSOptions options, JobQueueConfig? config = null) => new(options, config ?? JobQueueConfig.Empty);

    /// <summary>The job script with this machine's home directory and the cluster's random id replaced by {home} and {id}.</summary>
    public static string PortableScript(this JobQueueCluster cluster) =>
        cluster.JobScript()
            .Replace(HomePath.Local, "{home}", StringComparison.Ordinal)
            .Replace(cluster.Definition.Id, "{id}", StringComparison.Ordinal);
}
