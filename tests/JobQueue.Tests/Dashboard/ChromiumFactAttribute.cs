using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Dashboard;

/// <summary>
/// A test that drives Debian's Chromium. Where it is missing the test is skipped, except under CI=true, where it
/// runs and fails: CI must never pass without having opened the page in a browser.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Executable = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!LocalBatchSystems.IsContinuousIntegration && !File.Exists(Executable))
        {
            Skip = $"{Executable} is not installed: run 'bash scripts/setup-test-env.sh' (or scripts/local/chromium.sh) as root.";
        }
    }
}
