using System.Globalization;
using JobQueue;

// Task graphs, two ways: dotnet run --project samples/TaskGraphs
// 1. The Dask tutorial's delayed example: for each of ten numbers, inc and double run side by side and add joins
//    them; the ten sums are added up into a total. Futures are passed as arguments, so every step is queued once its
//    inputs are done and no intermediate result comes back through this program.
// 2. A two-stage pipeline: the second Map runs on each result of the first as soon as it is done.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2 });

List<Future<int>> output = [];
foreach (var x in Enumerable.Range(1, 10))
{
    var a = cluster.Submit(Inc, x);
    var b = cluster.Submit(Double, x);
    output.Add(cluster.Submit(Add, a, b));
}

var total = output.Aggregate((sum, next) => cluster.Submit(Add, sum, next));
Console.WriteLine($"delayed example: total = {await total} from {output.Count * 3 + output.Count - 1} tasks");

// Stage one counts the Collatz steps of each number; stage two, starting on the first counts while stage one
// still runs, classifies them. A number whose count fails would fail its stage-two item with DependencyFailedException.
var steps = cluster.Map((long n) => CollatzSteps(n), Enumerable.Range(1, 10_000).Select(n => (long)n));
var classes = cluster.Map((int count) => count >= 100 ? "long" : "short", steps);
var counted = (await cluster.Gather(classes)).CountBy(name => name).OrderBy(pair => pair.Key);
Console.WriteLine($"pipeline: {string.Join(", ", counted.Select(pair => $"{pair.Value} {pair.Key}"))} of {classes.Count:N0} numbers");

static int Inc(int x) => x + 1;

static int Double(int x) => 2 * x;

static int Add(int x, int y) => x + y;

static int CollatzSteps(long n)
{
    var steps = 0;
    for (; n != 1; steps++)
    {
        n = n % 2 == 0 ? n / 2 : (3 * n) + 1;
    }

    return steps;
}
