using JobQueue;

// A user's program that a test kills: it starts a LocalCluster, prints its workers' process ids, and waits.
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2 });
await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
Console.WriteLine(string.Join(' ', cluster.WorkerProcessIds));
await Task.Delay(Timeout.Infinite);
