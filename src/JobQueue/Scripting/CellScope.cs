namespace JobQueue.Scripting;

/// <summary>
/// What a notebook kernel gives the cell it runs, without the cell's code passing it along: an interrupt that
/// <c>Map</c>, <c>Gather</c>, <c>AsCompleted</c>, <c>WaitForWorkersAsync</c> and <c>ScaleAsync</c> observe, and a
/// progress display that <see cref="ProgressDisplay.ShowAsync"/> draws with. It flows with the cell's async calls
/// (an <see cref="AsyncLocal{T}"/>), so cells run by other hosts, and code outside cells, see none.
/// </summary>
public sealed class CellScope : IDisposable
{
    private static readonly AsyncLocal<CellScope?> Ambient = new();

    private readonly CellScope? _outer;

    private CellScope(CancellationToken interrupt, Func<IReadOnlyList<Future>, CancellationToken, Task>? showProgress)
    {
        _outer = Ambient.Value;
        Interrupt = interrupt;
        ShowProgress = showProgress;
    }

    /// <summary>Cancelled when the user interrupts the cell.</summary>
    public CancellationToken Interrupt { get; }

    /// <summary>Draws the progress of futures until all have ended; null draws in the console.</summary>
    public Func<IReadOnlyList<Future>, CancellationToken, Task>? ShowProgress { get; }

    /// <summary>The scope of the running cell, or null outside one.</summary>
    public static CellScope? Current => Ambient.Value;

    /// <summary>Makes a scope current for the calling async flow until it is disposed.</summary>
    public static CellScope Enter(CancellationToken interrupt, Func<IReadOnlyList<Future>, CancellationToken, Task>? showProgress = null)
    {
        var scope = new CellScope(interrupt, showProgress);
        Ambient.Value = scope;
        return scope;
    }

    /// <summary>Restores the scope that was current before <see cref="Enter"/>.</summary>
    public void Dispose()
    {
        if (Ambient.Value == this)
        {
            Ambient.Value = _outer;
        }
    }

    /// <summary><paramref name="token"/>, also cancelled by the current cell's interrupt; dispose the result after use.</summary>
    internal static LinkedCancellation Link(CancellationToken token)
    {
        var interrupt = Current?.Interrupt ?? CancellationToken.None;
        if (!interrupt.CanBeCanceled || interrupt == token)
        {
            return new LinkedCancellation(token, null);
        }

        if (!token.CanBeCanceled)
        {
            return new LinkedCancellation(interrupt, null);
        }

        var linked = CancellationTokenSource.CreateLinkedTokenSource(token, interrupt);
        return new LinkedCancellation(linked.Token, linked);
    }

    /// <summary>A token that may own the source linking it to the interrupt.</summary>
    internal readonly struct LinkedCancellation(CancellationToken token, CancellationTokenSource? source) : IDisposable
    {
        public CancellationToken Token { get; } = token;

        public void Dispose() => source?.Dispose();
    }
}
