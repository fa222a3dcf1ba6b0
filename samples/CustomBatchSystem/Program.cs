using CustomBatchSystem;

// Prints the script an LSF cluster would submit: constructing a cluster checks the options and runs no command, so this
// works without LSF. On a login node, cluster.Scale(4) submits it with bsub and the workers connect as on Slurm.
await using var cluster = new LsfCluster(new LsfOptions
{
    Cores = 8, Memory = "24GB", Processes = 2, Queue = "normal", Account = "chemistry", Walltime = "02:00", LimitUnit = "MB",
});
Console.WriteLine(cluster.JobScript());
