using System.Net;
using System.Text.Json;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Dashboard;

/// <summary>The dashboard server on its own, fed a batch cluster's snapshot: jobs by state, logs, adaptive decisions.</summary>
public sealed class DashboardServerTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private FakeSlurmCluster? _cluster;

    private FakeSlurmCluster Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        _cluster = await FakeSlurmCluster.StartAsync();
        _http.Use(Cluster.Link);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await Cluster.DisposeAsync();
    }

    [Fact]
    public async Task Jobs_are_counted_by_state_and_listed_with_their_reasons()
    {
        var status = await StatusAsync();

        Assert.Equal(2, status.GetProperty("jobCounts").GetProperty("Pending").GetInt32());
        Assert.Equal(1, status.GetProperty("jobCounts").GetProperty("Running").GetInt32());
        Assert.Equal(0, status.GetProperty("jobCounts").GetProperty("Failed").GetInt32());
        var pending = status.GetProperty("jobs").EnumerateArray().Where(job => job.GetProperty("state").GetString() == "Pending").ToList();
        Assert.Equal(["4243", "4244"], pending.Select(job => job.GetProperty("id").GetString()));
        Assert.All(pending, job => Assert.Equal("Resources", job.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_job_log_is_read_through_the_cluster_and_served_as_text()
    {
        using var response = await _http.GetAsync("api/jobs/4242/log");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("worker chem-0 started", text);
        Assert.Contains("--- standard error ---", text);
        Assert.Contains("4242", Cluster.LogsAsked);
    }

    [Fact]
    public async Task An_unknown_job_log_is_not_found_with_the_clusters_reason()
    {
        using var response = await _http.GetAsync("api/jobs/999/log");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no job 999", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_new_adaptive_decision_is_kept_newest_last()
    {
        Cluster.Decision = FakeSlurmCluster.NewDecision(FakeSlurmCluster.Submitted, 3, "120 queued tasks");
        await Eventually.HoldsAsync(async () => (await StatusAsync()).GetProperty("decisions").GetArrayLength() == 1, TimeSpan.FromSeconds(30), "the first decision is shown");
        Cluster.Decision = FakeSlurmCluster.NewDecision(FakeSlurmCluster.Submitted.AddSeconds(1), 1, "idle workers");

        await Eventually.HoldsAsync(
            async () => (await StatusAsync()).GetProperty("decisions").EnumerateArray().Select(decision => decision.GetProperty("reason").GetString())
                .SequenceEqual(["120 queued tasks", "idle workers"]),
            TimeSpan.FromSeconds(30), "both decisions are shown, in order");
    }

    [Fact]
    public async Task The_task_stream_counts_a_new_worker_from_zero_and_one_there_before_from_what_it_had_done()
    {
        Cluster.Workers = [FakeSlurmCluster.NewWorker("chem-0", 100, FakeSlurmCluster.Submitted)];
        // Sampled at 100 done, whatever this shared fixture showed before: the next sample counts from there.
        await Eventually.HoldsAsync(
            async () => (await StatusAsync()).GetProperty("workers") is { } workers && workers.GetArrayLength() == 1 && workers[0].GetProperty("tasksDone").GetInt64() == 100,
            TimeSpan.FromSeconds(30), "chem-0 is shown with 100 tasks done");

        Cluster.Workers = [FakeSlurmCluster.NewWorker("chem-0", 105, FakeSlurmCluster.Submitted), FakeSlurmCluster.NewWorker("chem-1", 7, DateTimeOffset.UtcNow)];

        // The sample that first sees both: chem-0's 5 since it was last sampled, chem-1's 7 from zero. (Summing the
        // whole stream would also count chem-0's first sighting, whose size depends on what this shared fixture sampled before.)
        await Eventually.HoldsAsync(
            async () => FinishedPerSample(await StatusAsync()).Any(finished => finished.Count == 2 && finished.GetValueOrDefault("chem-0") == 5 && finished.GetValueOrDefault("chem-1") == 7),
            TimeSpan.FromSeconds(30), "a sample counts 5 tasks of chem-0 and 7 of chem-1");
    }

    private static IEnumerable<Dictionary<string, long>> FinishedPerSample(JsonElement status) =>
        status.GetProperty("taskStream").GetProperty("samples").EnumerateArray()
            .Select(sample => sample.GetProperty("finished").EnumerateObject().ToDictionary(worker => worker.Name, worker => worker.Value.GetInt64()));

    [Fact]
    public async Task A_worker_paused_for_memory_is_shown_paused()
    {
        Cluster.Workers = [FakeSlurmCluster.NewWorker("chem-0", 1, FakeSlurmCluster.Submitted) with { Paused = true }, FakeSlurmCluster.NewWorker("chem-1", 1, FakeSlurmCluster.Submitted)];

        await Eventually.HoldsAsync(
            async () => (await StatusAsync()).GetProperty("workers") is { } workers && workers.GetArrayLength() == 2
                && workers.EnumerateArray().Select(worker => (worker.GetProperty("name").GetString(), worker.GetProperty("paused").GetBoolean())).Order().SequenceEqual([("chem-0", true), ("chem-1", false)]),
            TimeSpan.FromSeconds(30), "chem-0 paused and chem-1 not");
    }

    private async Task<JsonElement> StatusAsync() => JsonDocument.Parse(await _http.GetStringAsync("api/status")).RootElement.Clone();
}
