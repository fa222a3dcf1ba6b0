using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Kernel;

/// <summary>
/// A test that drives the kernel through Debian's Jupyter (and, given a batch command such as sbatch, a local batch
/// system). Where either is missing the test is skipped, except under CI=true, where it runs and fails.
/// </summary>
public sealed class JupyterFactAttribute : FactAttribute
{
    public JupyterFactAttribute(string? batchCommand = null)
    {
        if (!LocalBatchSystems.IsContinuousIntegration && (Jupyter.MissingReason() ?? (batchCommand is null ? null : LocalBatchSystems.MissingReason(batchCommand))) is { } reason)
        {
            Skip = reason;
        }
    }
}
