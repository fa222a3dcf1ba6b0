using JobQueue;

// The scripts JobQueue would submit on three batch systems, as a scientist checks them against a site's rules.
// Constructing a cluster runs no batch command, so this works on any machine.
string[] prologue = ["module load dotnet", "export OMP_NUM_THREADS=1"];

await using var slurm = new SlurmCluster(new SlurmOptions
{
    Queue = "regular", Account = "myproj", Cores = 8, Memory = "24GB", Walltime = "02:00:00", JobScriptPrologue = prologue,
});
await using var gridEngine = new SGECluster(new SGEOptions
{
    Queue = "all.q", Cores = 8, Memory = "24GB", Walltime = "02:00:00", ParallelEnvironment = "smp", MemoryResource = "h_vmem",
    JobScriptPrologue = prologue,
});
await using var pbs = new PBSCluster(new PBSOptions
{
    Queue = "workq", Account = "myproj", Cores = 8, Memory = "24GB", Walltime = "02:00:00", JobScriptPrologue = prologue,
});

foreach (var (system, cluster) in new (string, JobQueueCluster)[] { ("Slurm", slurm), ("Grid Engine", gridEngine), ("PBS", pbs) })
{
    Console.WriteLine($"--- {system} job script ---");
    Console.WriteLine(cluster.JobScript());
}
