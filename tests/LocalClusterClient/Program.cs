using JobQueue;

if (args is ["slurm", var partition])
{
    // A user's program that ends without disposing its Slurm cluster: it submits 3 queued jobs, prints their ids,
    // and returns when told to (a line on standard input). The cluster's process-exit handler cancels the jobs.
    var slurm = new SlurmCluster(new SlurmOptions
    {
        Queue = partition, Cores = 1, Memory = "1GiB", ListenAddress = "127.0.0.1", Name = $"exit{Environment.ProcessId}",
        JobExtraDirectives = ["--begin=now+1hour"],
    });
    await slurm.ScaleAsync(3);
    Console.WriteLine(string.Join(' ', slurm.Jobs.Select(job => job.Id)));
    Console.ReadLine();
    return;
}

// A user's program that a test kills: it starts a LocalCluster, prints its workers' process ids, and waits.
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2 });
await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
Console.WriteLine(string.Join(' ', cluster.WorkerProcessIds));
await Task.Delay(Timeout.Infinite);
