using JobQueue;

if (args is ["slurm", var partition])
{
    // A user's program that ends without disposing its Slurm cluster: it submits 3 queued jobs, prints their ids,
    // says "interrupted" on each SIGINT, and returns when told to (a line on standard input). The cluster's
    // process-exit handler cancels the jobs.
    var slurm = new SlurmCluster(new SlurmOptions
    {
        Queue = partition, Cores = 1, Memory = "1GiB", ListenAddress = "127.0.0.1", Name = $"exit{Environment.ProcessId}",
        JobExtraDirectives = ["--begin=now+1hour"],
    });
    await slurm.ScaleAsync(3);

    // As a notebook kernel does: Ctrl+C interrupts the running cell, and the session goes on.
    Console.CancelKeyPress += (_, interrupt) =>
    {
        interrupt.Cancel = true;
        Console.WriteLine("interrupted");
    };
    Console.WriteLine(string.Join(' ', slurm.Jobs.Select(job => job.Id)));
    Console.ReadLine();
    return;
}

// A user's program that a test kills half way through a checkpointed map, then runs again to the end: it maps a slow square over 0..ITEMS-1 with that checkpoint, each
// execution appending its item to a file of its worker process in COUNTDIRECTORY, and prints the results on one
// line once all are in.
if (args is ["checkpoint", var checkpoint, var countDirectory, var items])
{
    await using var squaring = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "resume" });
    var squares = await squaring.Gather(squaring.Map(
        (int x) => SlowSquare(x, countDirectory), Enumerable.Range(0, int.Parse(items)), new MapOptions { Checkpoint = checkpoint }));
    Console.WriteLine(string.Join(' ', squares));
    return;
}

// A user's program that a test freezes (SIGSTOP): a coordinator whose worker the test starts from the job script's
// --scheduler and --secret-file, printed before "ready"; then a map of slow items, each leaving a file in
// RECORDDIRECTORY when it starts.
if (args is ["frozen", var recordDirectory])
{
    await using var coordinatorOnly = new SlurmCluster(new SlurmOptions
    {
        Cores = 1, Memory = "1GB", ListenAddress = "127.0.0.1", DashboardAddress = null, SharedTempDirectory = recordDirectory,
    });
    await coordinatorOnly.StartAsync();
    Console.WriteLine(coordinatorOnly.JobScript());
    Console.WriteLine("ready");
    var slow = coordinatorOnly.Map((int x) => RecordAndSleep(x, Path.Combine(recordDirectory, "records")), Enumerable.Range(0, 400), new MapOptions { BatchSize = 100 });
    await Task.Delay(Timeout.Infinite);
}

// A user's program that other users crowd with connections while its open-file limit is low: it prints its
// coordinator's port, then its workers' process ids whenever they change; each line "map" on standard input runs a
// map of 2,000 items and prints the sum of the results.
if (args is ["crowded"])
{
    await using var crowded = new LocalCluster(new LocalOptions { Workers = 2, DashboardAddress = null });
    await crowded.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
    Console.WriteLine(new Uri(crowded.Address!).Port);
    var watch = Task.Run(async () =>
    {
        var shown = "";
        while (true)
        {
            var now = string.Join(' ', crowded.Workers.Select(worker => worker.ProcessId).Order());
            if (now != shown)
            {
                Console.WriteLine($"workers {now}");
                shown = now;
            }

            await Task.Delay(50);
        }
    });
    while (Console.ReadLine() == "map")
    {
        Console.WriteLine($"mapped {(await crowded.Gather(crowded.Map((int x) => x * 2, Enumerable.Range(0, 2_000)))).Sum()}");
    }

    return;
}

// A user's program that a test kills: an SshCluster of NAME with two workers on 127.0.0.1 through the test sshd
// (PORT, USER, KEY, KNOWNHOSTS) and a 5 s death timeout; it prints "ready" once both are connected, and waits.
if (args is ["ssh", var name, var port, var user, var key, var knownHosts])
{
    var ssh = new SshCluster(new SshClusterOptions
    {
        Name = name, Hosts = ["127.0.0.1"], WorkersPerHost = 2, MemoryLimit = "1GiB", DeathTimeout = TimeSpan.FromSeconds(5), DashboardAddress = null,
        Ssh = new SshOptions { Port = int.Parse(port), User = user, IdentityFile = key, KnownHostsFile = knownHosts },
    });
    await ssh.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}

// A user's program that a test kills: it starts a LocalCluster, prints its workers' process ids, and waits.
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2 });
await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
Console.WriteLine(string.Join(' ', cluster.WorkerProcessIds));
await Task.Delay(Timeout.Infinite);

// Leaves its mark when it starts, then works for 100 ms.
static int RecordAndSleep(int x, string directory)
{
    Directory.CreateDirectory(directory);
    File.WriteAllBytes(Path.Combine(directory, $"{x}"), []);
    Thread.Sleep(100);
    return x;
}

// The work is simulated: 20 ms per item keeps a map of a few hundred items running long enough to be killed half way.
static int SlowSquare(int x, string countDirectory)
{
    // One file per worker process: appends from several processes to one file could interleave.
    File.AppendAllText(Path.Combine(countDirectory, $"{Environment.ProcessId}.txt"), $"{x}\n");
    Thread.Sleep(20);
    return x * x;
}
