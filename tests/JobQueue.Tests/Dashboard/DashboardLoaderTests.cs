using System.Net;
using JobQueue.Dashboard;
using JobQueue.Tests.BatchSystems;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobQueue.Tests.Dashboard;

public sealed class DashboardLoaderTests
{
    [Fact]
    public void Without_the_assembly_beside_JobQueue_there_is_no_dashboard_and_the_log_says_why()
    {
        var empty = Directory.CreateTempSubdirectory("jobqueue-no-dashboard-");
        var logger = new CollectingLoggerFactory();
        try
        {
            var source = new DashboardSource(new DashboardBinding(IPAddress.Loopback, 0), "never-used", () => throw new InvalidOperationException("never sampled"), null, NullLoggerFactory.Instance);

            Assert.Null(DashboardLoader.TryStart(source, logger, empty.FullName));
            Assert.Contains(logger.Messages, message => message.Contains("No dashboard: JobQueue.Dashboard.dll is not beside JobQueue.dll", StringComparison.Ordinal));
        }
        finally
        {
            empty.Delete();
        }
    }

    [Fact]
    public void The_tests_have_the_assembly_beside_JobQueue() =>
        Assert.True(File.Exists(Path.Combine(DashboardLoader.Directory, "JobQueue.Dashboard.dll")));
}
