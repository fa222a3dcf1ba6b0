using System.Data;

namespace JobQueue;

/// <summary>A column that <see cref="TableEvaluation.EvaluateAsync(Cluster, DataTable, Func{IReadOnlyDictionary{string, object?}, IReadOnlyDictionary{string, object?}}, IEnumerable{NewColumn}, MapOptions?, string, CancellationToken)"/> adds.</summary>
/// <param name="Name">The column's name; it must not exist in the table yet.</param>
/// <param name="Default">The value of rows whose evaluation failed (or that returned no value for the column).</param>
public sealed record NewColumn(string Name, object? Default)
{
    /// <summary>The column's type. <value>The default is the type of <see cref="Default"/>, or <c>object</c> when it is null.</value></summary>
    public Type? Type { get; init; }
}
