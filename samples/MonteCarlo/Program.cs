using System.Globalization;
using JobQueue;

// The Monte Carlo example of the Dask tutorial: replicates of the mean and standard deviation of many normal draws,
// and pi from random points, each replicate with its own random stream (TaskContext.Current.Random, derived from
// the cluster's seed and the replicate's key, as the tutorial's section 8 asks). The same seed gives the same
// numbers whatever the number of workers: dotnet run --project samples/MonteCarlo -- [seed] [workers]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const int Replicates = 10;
const int Draws = 1_000_000;
ulong? seed = args.Length > 0 ? ulong.Parse(args[0], CultureInfo.InvariantCulture) : null;
var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;

await using var cluster = new LocalCluster(new LocalOptions { Workers = workers, ThreadsPerWorker = 1, Seed = seed });
Console.WriteLine($"{workers} workers, Seed = {cluster.Seed} (pass it as the first argument to repeat this run)");

var replicates = cluster.Map((int _) => MeanAndDeviation(TaskContext.Current.Random, Draws), Enumerable.Range(0, Replicates));
foreach (var (replicate, (mean, deviation)) in (await cluster.Gather(replicates)).Index())
{
    Console.WriteLine($"replicate {replicate}: mean {mean,10:F6}  standard deviation {deviation:F6}");
}

Console.WriteLine(replicates.Profile);

// Many small replicates: the cluster batches them by itself, each still with its own stream.
var hits = cluster.Map((int _) => InsideQuarterCircle(TaskContext.Current.Random, 1000), Enumerable.Range(0, 20_000));
var pi = 4.0 * (await cluster.Gather(hits)).Sum() / (20_000 * 1000.0);
Console.WriteLine($"pi ~ {pi:F6} from {20_000 * 1000:N0} points in {hits.Profile.Partitions:N0} messages");

static (double Mean, double Deviation) MeanAndDeviation(Random random, int draws)
{
    var (sum, squares) = (0.0, 0.0);
    for (var i = 0; i < draws; i++)
    {
        // Box-Muller: two uniforms to one standard normal.
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        sum += normal;
        squares += normal * normal;
    }

    var mean = sum / draws;
    return (mean, Math.Sqrt((squares / draws) - (mean * mean)));
}

static int InsideQuarterCircle(Random random, int points)
{
    var inside = 0;
    for (var i = 0; i < points; i++)
    {
        var (x, y) = (random.NextDouble(), random.NextDouble());
        inside += x * x + y * y <= 1 ? 1 : 0;
    }

    return inside;
}
