using JobQueue;

namespace CustomBatchSystem;

/// <summary>Workers as IBM Spectrum LSF jobs (bsub, bjobs, bkill): all a cluster class of a new batch system needs.</summary>
/// <param name="options">The cluster's settings; an invalid one throws <see cref="ArgumentException"/> naming it.</param>
public sealed class LsfCluster(LsfOptions options) : JobQueueCluster(options, LsfBatchSystem.Instance);
