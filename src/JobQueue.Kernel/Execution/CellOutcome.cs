using Microsoft.CodeAnalysis;

namespace JobQueue.Kernel.Execution;

/// <summary>How a cell ended.</summary>
internal abstract record CellOutcome
{
    /// <summary>It ran; <paramref name="Value"/> is its last expression's value when it ends with one.</summary>
    public sealed record Completed(bool HasValue, object? Value) : CellOutcome;

    /// <summary>It did not compile.</summary>
    public sealed record NotCompiled(IReadOnlyList<Diagnostic> Errors) : CellOutcome;

    /// <summary>It threw (an interrupt shows as an <see cref="OperationCanceledException"/>).</summary>
    public sealed record Failed(Exception Exception) : CellOutcome;
}
