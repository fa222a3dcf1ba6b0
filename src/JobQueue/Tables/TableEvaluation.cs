using System.Data;

namespace JobQueue;

/// <summary>
/// Maps a function over the rows of a table into new columns, on a cluster (BluePyParallel's <c>evaluate</c>, a
/// parallel pandas <c>apply</c>): a row whose evaluation fails keeps the declared defaults and records its error
/// instead of failing the whole table. <see cref="MapOptions.Checkpoint"/> works as for <c>Map</c>: a rerun
/// evaluates only the rows that have no stored result.
/// </summary>
public static class TableEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="function"/> on every row of <paramref name="rows"/> on the workers; a row that throws
    /// (or whose workers keep dying) gets <paramref name="defaults"/> and its error. The results are in the rows' order.
    /// </summary>
    public static async Task<IReadOnlyList<RowResult<TResult>>> EvaluateAsync<TRow, TResult>(
        this Cluster cluster, IEnumerable<TRow> rows, Func<TRow, TResult> function, TResult defaults, MapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var futures = cluster.Map(function, rows, options, cancellationToken);
        var results = new RowResult<TResult>[futures.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = await Outcome(futures[i], defaults, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// A copy of <paramref name="table"/> with <paramref name="newColumns"/> and an <paramref name="errorColumn"/>,
    /// filled by <paramref name="function"/> on each row on the workers. The function receives the row as column name
    /// → value (null for DBNull) and returns values for new columns by name; a new column it leaves out keeps its
    /// default. A row whose function throws keeps every default and gets the error message in the error column, which
    /// is null for rows that succeeded.
    /// </summary>
    /// <exception cref="ArgumentException">A new column or the error column already exists, or is named twice.</exception>
    public static async Task<DataTable> EvaluateAsync(
        this Cluster cluster,
        DataTable table,
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> function,
        IEnumerable<NewColumn> newColumns,
        MapOptions? options = null,
        string errorColumn = "error",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(table);
        var columns = newColumns.ToArray();
        var result = table.Copy();
        foreach (var column in columns)
        {
            AddColumn(result, column.Name, column.Type ?? column.Default?.GetType() ?? typeof(object), column.Default, nameof(newColumns));
        }

        AddColumn(result, errorColumn, typeof(string), null, nameof(errorColumn));
        var inputs = table.Rows.Cast<DataRow>().Select(row => RowValues(table, row));
        var outcomes = await cluster.EvaluateAsync(inputs, function, null, options, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < outcomes.Count; i++)
        {
            var row = result.Rows[i];
            row[errorColumn] = outcomes[i].Error is { } error ? error : DBNull.Value;
            if (outcomes[i].Value is { } values && Fill(row, columns, values) is { } problem)
            {
                row[errorColumn] = problem;
            }
        }

        return result;
    }

    private static async Task<RowResult<TResult>> Outcome<TResult>(Future<TResult> future, TResult defaults, CancellationToken cancellationToken)
    {
        try
        {
            return new RowResult<TResult>(await future.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception exception) when (exception is RemoteTaskException or WorkerLostException)
        {
            return new RowResult<TResult>(defaults, exception.Message);
        }
    }

    private static void AddColumn(DataTable table, string name, Type type, object? defaultValue, string parameter)
    {
        if (table.Columns.Contains(name))
        {
            throw new ArgumentException($"The table already has a column {name}: name new columns and the error column differently from existing ones.", parameter);
        }

        table.Columns.Add(new DataColumn(name, type) { DefaultValue = defaultValue ?? DBNull.Value });
    }

    // A DataRow is tied to its table; workers get the row's values, which are plain data.
    private static IReadOnlyDictionary<string, object?> RowValues(DataTable table, DataRow row) =>
        table.Columns.Cast<DataColumn>().ToDictionary(column => column.ColumnName, column => row[column] is DBNull ? null : row[column]);

    // Sets the row's new columns from what the function returned; on a mismatch the row keeps its defaults and the
    // problem is its error.
    private static string? Fill(DataRow row, NewColumn[] columns, IReadOnlyDictionary<string, object?> values)
    {
        if (values.Keys.FirstOrDefault(name => !columns.Any(column => column.Name == name)) is { } unknown)
        {
            return $"The function returned column {unknown}, which is not among the new columns ({string.Join(", ", columns.Select(column => column.Name))}).";
        }

        try
        {
            foreach (var (name, value) in values)
            {
                row[name] = value ?? DBNull.Value;
            }

            return null;
        }
        catch (ArgumentException exception)
        {
            foreach (var column in columns)
            {
                row[column.Name] = column.Default ?? DBNull.Value;
            }

            return $"The function's values do not fit the new columns: {exception.Message}";
        }
    }
}
