using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobQueue.Tests.Dashboard;

/// <summary>The page in headless Chromium shows what a worker's tasks hold of its resources, items waiting for resources no worker has, and tasks waiting for their inputs.</summary>
public sealed class DashboardResourceTests : IDisposable
{
    private static readonly LocatorAssertionsToHaveTextOptions Live = new() { Timeout = 60_000 };
    private static readonly LocatorAssertionsToContainTextOptions Showing = new() { Timeout = 60_000 };
    private readonly DirectoryInfo _release = Directory.CreateTempSubdirectory("jobqueue-dashboard-resources-");

    [ChromiumFact]
    public async Task The_page_shows_resources_in_use_items_no_worker_can_run_and_dependencies_waiting()
    {
        await using var cluster = new LocalCluster(new LocalOptions
        {
            Workers = 1, ThreadsPerWorker = 2, Name = "gpus", DashboardAddress = "127.0.0.1:0", WorkerResources = new Dictionary<string, double> { ["gpu"] = 2 },
        });
        await cluster.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));
        var release = Path.Combine(_release.FullName, "release");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowserTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(cluster.DashboardLink!);
        await Expect(page.Locator("#workers")).ToContainTextAsync("gpu 0/2", Showing);

        var holding = cluster.Submit(() => WaitFor(release), new MapOptions { Resources = new Dictionary<string, double> { ["gpu"] = 1 } });
        var waiting = cluster.Submit(() => 0, new MapOptions { Resources = new Dictionary<string, double> { ["gpu"] = 3 } });
        await Expect(page.Locator("#workers")).ToContainTextAsync("gpu 1/2", Showing);
        await Expect(page.Locator("#unrunnable")).ToHaveTextAsync("Waiting for resources no worker has: map 1 (1 items): gpu=3", Live);
        var dependent = cluster.Submit((bool held) => held ? 1 : 0, holding);
        await Expect(page.Locator("#dependencies")).ToHaveTextAsync("Dependencies waiting: 1 tasks held back until their inputs are done", Live);
        Assert.Contains("; 1 tasks waiting for their inputs; waiting for resources no worker has", cluster.ToString(), StringComparison.Ordinal);
        await File.WriteAllTextAsync(release, "");

        Assert.True(await holding);
        Assert.Equal(1, await dependent);
        await Expect(page.Locator("#workers")).ToContainTextAsync("gpu 0/2", Showing);
        await Expect(page.Locator("#dependencies")).ToHaveTextAsync("", Live);
        Assert.Equal(FutureStatus.Pending, waiting.Status);
    }

    public void Dispose() => _release.Delete(recursive: true);

    /// <summary>Holds its resources until the test releases it (a deadline bounds a failed test).</summary>
    private static bool WaitFor(string release)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!File.Exists(release) && !deadline.IsCancellationRequested)
        {
            Thread.Sleep(20);
        }

        return File.Exists(release);
    }
}
