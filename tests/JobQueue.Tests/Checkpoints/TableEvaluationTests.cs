using System.Data;

namespace JobQueue.Tests.Checkpoints;

public sealed class TableEvaluationTests
{
    [Fact]
    public async Task A_DataTable_gets_new_columns_with_defaults_for_failing_rows_and_their_errors()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "table" });

        var molecules = Molecules();
        var result = await cluster.EvaluateAsync(molecules, Describe, [new NewColumn("mass_squared", -1.0), new NewColumn("label", "none")], errorColumn: "exception");

        Assert.Equal(["name", "mass", "mass_squared", "label", "exception"], result.Columns.Cast<DataColumn>().Select(column => column.ColumnName));
        Assert.Equal(typeof(double), result.Columns["mass_squared"]!.DataType);
        var rows = result.Rows.Cast<DataRow>().ToDictionary(row => (string)row["name"]);
        Assert.Equal((324.0, "water (18)", DBNull.Value), ((double, string, object))(rows["water"]["mass_squared"], rows["water"]["label"], rows["water"]["exception"]));
        Assert.Equal((-1.0, "none", "unstable: ozone"), ((double, string, object))(rows["ozone"]["mass_squared"], rows["ozone"]["label"], rows["ozone"]["exception"]));
        Assert.Equal((-1.0, "none"), ((double, string))(rows["unknown"]["mass_squared"], rows["unknown"]["label"]));
        Assert.Contains("mass_squared", (string)rows["unknown"]["exception"]);
        Assert.Equal(2, molecules.Columns.Count);
    }

    [Fact]
    public async Task A_DataTable_evaluation_with_a_checkpoint_resumes()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var options = new MapOptions { Checkpoint = database.Path };
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "table-resume" });
        var table = new DataTable();
        table.Columns.Add("x", typeof(int));
        foreach (var x in Enumerable.Range(0, 12))
        {
            table.Rows.Add(x);
        }

        var first = await cluster.EvaluateAsync(table, Squared(log.Directory), [new NewColumn("square", 0L)], options);
        var second = await cluster.EvaluateAsync(table, Squared(log.Directory), [new NewColumn("square", 0L)], options);

        Assert.Equal(Enumerable.Range(0, 12).Select(x => (long)x * x), second.Rows.Cast<DataRow>().Select(row => (long)row["square"]));
        Assert.Equal(first.Rows.Cast<DataRow>().Select(row => row["square"]), second.Rows.Cast<DataRow>().Select(row => row["square"]));
        Assert.Equal(Enumerable.Range(0, 12), log.Items().Order());
    }

    [Fact]
    public async Task Typed_rows_get_results_or_defaults_with_errors()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "records" });
        Measurement[] rows = [new(1, [1, 2, 3]), new(2, []), new(3, [10])];

        var results = await cluster.EvaluateAsync(rows, (Measurement row) => new Summary(row.Values.Average(), row.Values.Max()), new Summary(double.NaN, 0));

        Assert.Equal([new Summary(2, 3), new Summary(double.NaN, 0), new Summary(10, 10)], results.Select(result => result.Value));
        Assert.Equal([true, false, true], results.Select(result => result.Succeeded));
        Assert.Equal("Sequence contains no elements", results[1].Error);
    }

    [Fact]
    public async Task A_typed_row_evaluation_with_a_checkpoint_reruns_only_the_missing_and_failed_rows()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var options = new MapOptions { Checkpoint = database.Path };
        var defaults = new Summary(double.NaN, 0);
        Measurement[] rows = [.. Enumerable.Range(0, 10).Select(id => new Measurement(id, id == 3 ? [] : [id, 2 * id]))];
        IReadOnlyList<RowResult<Summary>> first;
        await using (var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "records-first" }))
        {
            first = await cluster.EvaluateAsync(rows[..6], CountedSummary(log.Directory), defaults, options);
        }

        await using var rerun = new LocalCluster(new LocalOptions { Workers = 2, Name = "records-rerun" });
        var second = await rerun.EvaluateAsync(rows, CountedSummary(log.Directory), defaults, options);

        Assert.Equal(first, second.Take(6));
        Assert.Equal(rows.Select(row => row.Id == 3 ? defaults : new Summary(1.5 * row.Id, 2 * row.Id)), second.Select(result => result.Value));
        Assert.Equal("Sequence contains no elements", second[3].Error);
        // A failed row has no stored result, so it runs again along with the four new rows.
        Assert.Equal([0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9], log.Items().Order());
        Assert.Equal(9L, database.StoredResults());
    }

    [Fact]
    public async Task New_columns_must_not_exist_yet()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "table-columns" });

        var clash = await Assert.ThrowsAsync<ArgumentException>(() => cluster.EvaluateAsync(Molecules(), Describe, [new NewColumn("mass", 0.0)]));

        Assert.Contains("already has a column mass", clash.Message);
    }

    private static DataTable Molecules()
    {
        var table = new DataTable();
        table.Columns.Add("name", typeof(string));
        table.Columns.Add("mass", typeof(double));
        table.Rows.Add("water", 18.0);
        table.Rows.Add("ozone", 48.0);
        table.Rows.Add("unknown", DBNull.Value);
        return table;
    }

    // The unknown molecule's null mass gives a value of the wrong type: the row keeps its defaults.
    private static IReadOnlyDictionary<string, object?> Describe(IReadOnlyDictionary<string, object?> row) =>
        (string)row["name"]! == "ozone"
            ? throw new InvalidOperationException("unstable: ozone")
            : new Dictionary<string, object?>
            {
                ["label"] = $"{row["name"]} ({row["mass"]})",
                ["mass_squared"] = row["mass"] is double mass ? mass * mass : "no mass",
            };

    private static Func<Measurement, Summary> CountedSummary(string directory) => row =>
    {
        ExecutionLog.Record(directory, row.Id);
        return new Summary(row.Values.Average(), row.Values.Max());
    };

    private static Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> Squared(string directory) => row =>
    {
        var x = (int)row["x"]!;
        ExecutionLog.Record(directory, x);
        return new Dictionary<string, object?> { ["square"] = (long)x * x };
    };
}

public sealed record Measurement(int Id, double[] Values);

public sealed record Summary(double Mean, double Max);
