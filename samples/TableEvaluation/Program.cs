using System.Data;
using JobQueue;
using Microsoft.Extensions.Logging;

// Evaluates a table of parameter sets on a LocalCluster into new columns, storing every row's result in an SQLite
// checkpoint as it arrives. Stop it half way (Ctrl+C) and run it again: it computes only the rows not yet stored.
//   dotnet run --project samples/TableEvaluation [CHECKPOINT]     (default: table-evaluation.db here)
var checkpoint = args.Length > 0 ? args[0] : "table-evaluation.db";

var parameters = new DataTable("parameters");
parameters.Columns.Add("id", typeof(int));
parameters.Columns.Add("rate", typeof(double));
parameters.Columns.Add("steps", typeof(int));
for (var id = 0; id < 40; id++)
{
    parameters.Rows.Add(id, 0.05 * (id % 10), id == 13 ? -1 : 200_000 + (1000 * id));
}

// At Information the cluster says what the checkpoint holds: how many rows are stored and how many this run computes.
using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Information));
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, LoggerFactory = logging });
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    stop.Cancel();
};

try
{
    var evaluated = await cluster.EvaluateAsync(
        parameters,
        Simulate,
        [new NewColumn("final", double.NaN), new NewColumn("peak", double.NaN)],
        new MapOptions { Checkpoint = checkpoint },
        cancellationToken: stop.Token);

    foreach (DataRow row in evaluated.Rows)
    {
        Console.WriteLine($"{row["id"],3}  rate {row["rate"],4:0.00}  final {row["final"],10:0.0000}  peak {row["peak"],10:0.0000}  {row["error"]}");
    }

    Console.WriteLine($"Every result is in {Path.GetFullPath(checkpoint)}; running again computes only the rows that failed. Delete it to start over.");
}
catch (OperationCanceledException)
{
    Console.WriteLine($"Stopped. The rows finished so far are in {Path.GetFullPath(checkpoint)}; run again to compute the rest.");
}

// A row's work: a logistic growth simulation, long enough to watch. Row 13 has a negative step count and fails:
// its new columns keep their defaults and the error column says why.
static IReadOnlyDictionary<string, object?> Simulate(IReadOnlyDictionary<string, object?> row)
{
    var (rate, steps) = ((double)row["rate"]!, (int)row["steps"]!);
    ArgumentOutOfRangeException.ThrowIfNegative(steps);
    double population = 0.01, peak = population;
    for (var step = 0; step < steps * 50; step++)
    {
        population += (rate * population * (1 - population)) / 1000;
        peak = Math.Max(peak, population);
    }

    return new Dictionary<string, object?> { ["final"] = population, ["peak"] = peak };
}
