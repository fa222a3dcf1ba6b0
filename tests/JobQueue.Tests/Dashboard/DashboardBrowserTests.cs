using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JobQueue.Tests.Dashboard;

/// <summary>The page in headless Chromium, live against a LocalCluster running a Map.</summary>
public sealed class DashboardBrowserTests
{
    private static readonly LocatorAssertionsToHaveTextOptions Live = new() { Timeout = 60_000 };

    [ChromiumFact]
    public async Task The_page_shows_the_workers_a_map_reaching_100_percent_and_its_failure_without_a_reload()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "browser", DashboardAddress = "127.0.0.1:0" });
        await cluster.StartAsync();
        var link = cluster.DashboardLink!;
        var origin = new Uri(link).GetLeftPart(UriPartial.Authority);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser);
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin, StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };
        var loads = 0;
        page.Load += (_, _) => loads++;

        await page.GotoAsync(link);
        await Expect(page.Locator("#worker-count")).ToHaveTextAsync("2", Live);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", Live);

        var futures = cluster.Map((int x) => x == 13 ? throw new InvalidOperationException($"item {x} is unlucky") : x, Enumerable.Range(0, 400), new MapOptions { BatchSize = 1 });
        await Expect(page.Locator("[data-map='0'] .percent")).ToHaveTextAsync("100%", Live);
        await Expect(page.Locator("#errors .error").First).ToContainTextAsync("System.InvalidOperationException: item 13 is unlucky", new() { Timeout = 60_000 });
        await Expect(page.Locator("#error-count")).ToHaveTextAsync("1", Live);
        await Expect(page.Locator("[data-map='0'] .caption")).ToContainTextAsync(new Regex("399 done, 0 running, 0 queued, 1 failed"), new() { Timeout = 60_000 });
        await page.Locator("#errors details summary").First.ClickAsync();
        await Expect(page.Locator("#errors details pre").First).ToBeVisibleAsync();
        await Expect(page.Locator("#errors details pre").First).ToContainTextAsync(nameof(The_page_shows_the_workers_a_map_reaching_100_percent_and_its_failure_without_a_reload));

        var screenshot = await ScreenshotAsync(page, "map-with-failure.png");

        Assert.Equal(1, loads);
        Assert.Empty(foreign);
        Assert.True(new FileInfo(screenshot).Length > 0);
        Assert.Equal(FutureStatus.Error, futures[13].Status);
    }

    [ChromiumFact]
    public async Task A_batch_cluster_shows_its_jobs_by_state_with_log_links_and_its_adaptive_decisions()
    {
        await using var cluster = await FakeSlurmCluster.StartAsync();
        cluster.Decision = FakeSlurmCluster.NewDecision(FakeSlurmCluster.Submitted, 3, "120 queued tasks of about 1 s");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser);

        await page.GotoAsync(cluster.Link);

        await Expect(page.Locator("#job-counts")).ToHaveTextAsync("2 pending, 1 running", Live);
        await Expect(page.Locator("#jobs tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#decisions")).ToContainTextAsync("120 queued tasks of about 1 s");
        await ScreenshotAsync(page, "batch-jobs.png");
        var log = await page.Context.RunAndWaitForPageAsync(() => page.Locator("#jobs tr").First.GetByText("log").ClickAsync());
        await Expect(log.Locator("body")).ToContainTextAsync("worker chem-0 started");
    }

    internal static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Executable,
            Headless = true,

            // Root needs --no-sandbox; nothing may reach out of this machine.
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        });

    private static Task<IPage> NewPageAsync(IBrowser browser) =>
        browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1000 } });

    /// <summary>Saves the whole page under artifacts/dashboard at the repository root (gitignored) and returns the file.</summary>
    private static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(BuiltPrograms.Repository, "artifacts", "dashboard"));
        var screenshot = Path.Combine(artifacts.FullName, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        return screenshot;
    }
}
