using JobQueue.Tests.Coordination;
using Xunit.Abstractions;

namespace JobQueue.Tests.Checkpoints;

/// <summary>
/// A client process mapping with a checkpoint is killed (SIGKILL, with its workers) once half of the results are
/// stored; the same program run again computes only what was not stored and prints every result once, in order.
/// </summary>
public sealed class ResumeAfterKillTests(ITestOutputHelper output)
{
    private const int Items = 300;

    // tests/LocalClusterClient maps with 2 workers of 1 thread. An item that ran before the kill runs again only if
    // its result was not yet committed: it was running (one per thread), or finished with its result on the way to
    // the store (one per thread: a commit is short next to a 20 ms task), or held by the worker's credit (two tasks
    // per thread, counted in case one of them had started).
    private const int RerunBound = 2 * 1 * (1 + 1 + 2);

    [Fact]
    public async Task An_sqlite_checkpoint_resumes_a_killed_map_with_only_the_missing_items()
    {
        using var database = new TestSqlite();
        await KillHalfWayThenResumeAsync(database.Path, database.StoredResults);
    }

    [PostgresFact]
    public async Task A_postgresql_checkpoint_resumes_a_killed_map_with_only_the_missing_items()
    {
        await using var database = await TestPostgres.CreateAsync();
        await KillHalfWayThenResumeAsync(database.ConnectionString, database.StoredResults);
    }

    private async Task KillHalfWayThenResumeAsync(string checkpoint, Func<long> storedResults)
    {
        using var firstRun = new ExecutionLog();
        using (var client = ClientProcess.Start("checkpoint", checkpoint, firstRun.Directory, $"{Items}"))
        {
            await Eventually.HoldsAsync(() => storedResults() >= Items / 2 || client.HasExited, TimeSpan.FromSeconds(120), "half of the results stored");
            client.Kill(entireProcessTree: true);
            await client.WaitForExitAsync();
        }

        var storedAtKill = storedResults();
        var ranFirst = firstRun.Items();
        Assert.InRange(storedAtKill, Items / 2, Items - 1);

        using var secondRun = new ExecutionLog();
        using var rerun = ClientProcess.Start("checkpoint", checkpoint, secondRun.Directory, $"{Items}");
        var printed = await rerun.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(120));
        await rerun.WaitForExitAsync();
        Assert.Equal(0, rerun.ExitCode);

        Assert.Equal(Enumerable.Range(0, Items).Select(x => x * x), printed.Trim().Split(' ').Select(int.Parse));
        Assert.Equal(Items, storedResults());
        var ranSecond = secondRun.Items();
        // Exactly the items without a stored result ran again, each once.
        Assert.Equal(Items - storedAtKill, ranSecond.Count);
        Assert.Equal(ranSecond.Count, ranSecond.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Items), ranFirst.Union(ranSecond).Order());
        var ranTwice = ranFirst.Intersect(ranSecond).Count();
        output.WriteLine($"{storedAtKill} of {Items} stored at the kill, {ranFirst.Count} ran before it, {ranSecond.Count} in the rerun, {ranTwice} in both");
        Assert.True(ranTwice <= RerunBound, $"{ranTwice} items ran in both runs; at most {RerunBound} can have been in flight at the kill");
    }
}
