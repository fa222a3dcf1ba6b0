using JobQueue;

namespace CustomBatchSystem;

/// <summary>
/// Settings of an <see cref="LsfCluster"/>: the shared ones of <see cref="JobQueueOptions"/> (<c>Account</c> becomes
/// LSF's project, <c>-P</c>) and LSF's own. Read from the <c>lsf</c> section of the configuration file too (<c>limit-unit: MB</c>).
/// </summary>
public sealed record LsfOptions : JobQueueOptions
{
    /// <summary>
    /// The unit of memory limits on this site, as <c>LSF_UNIT_FOR_LIMITS</c> in <c>lsf.conf</c> sets it: KB, MB, GB or TB.
    /// <value>The default is KB, LSF's own.</value>
    /// </summary>
    public string? LimitUnit { get; init; }
}
