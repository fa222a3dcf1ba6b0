namespace JobQueue;

/// <summary>The outcome of evaluating one row: its value, or the defaults and the reason it failed.</summary>
/// <param name="Value">What the function returned, or the defaults when it failed.</param>
/// <param name="Error">Why the row failed (the exception's message), or null when it succeeded.</param>
public sealed record RowResult<T>(T Value, string? Error)
{
    public bool Succeeded => Error is null;
}
