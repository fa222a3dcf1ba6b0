using System.Text.Json.Nodes;
using JobQueue.Kernel.Display;
using JobQueue.Kernel.Execution;
using JobQueue.Kernel.Protocol;
using JobQueue.Scripting;

namespace JobQueue.Kernel.Serving;

/// <summary>
/// Answers <c>execute_request</c>: runs the cell with its console output streamed, an interrupt it observes
/// without passing it, and its value displayed; owns what the cells started for the kernel's shutdown.
/// </summary>
internal sealed class CellExecutor : IDisposable
{
    private readonly CellRunner _cells;
    private readonly IoPub _ioPub;
    private readonly ProgressView _progress;
    private readonly CellWriter _stdout;
    private readonly CellWriter _stderr;
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;
    private int _executionCount;

    public CellExecutor(CellRunner cells, IoPub ioPub)
    {
        _cells = cells;
        _ioPub = ioPub;
        _progress = new ProgressView(ioPub);
        _stdout = new CellWriter(ioPub, "stdout");
        _stderr = new CellWriter(ioPub, "stderr");
        Console.SetOut(_stdout);
        Console.SetError(_stderr);
        // Input requests are not supported: a cell that reads the console gets end of input, not the kernel's stdin.
        Console.SetIn(TextReader.Null);
    }

    /// <summary>Cancels the running cell's interrupt token; a no-op between cells.</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            _running?.Cancel();
        }
    }

    public async Task<JsonObject> ExecuteAsync(JupyterMessage request)
    {
        var code = (string?)request.Content["code"] ?? "";
        var silent = (bool?)request.Content["silent"] ?? false;
        var count = silent ? _executionCount : ++_executionCount;
        _ioPub.Parent = request;
        if (!silent)
        {
            _ioPub.Publish("execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count });
        }

        using var interrupt = new CancellationTokenSource();
        lock (_gate)
        {
            _running = interrupt;
        }

        CellOutcome outcome;
        try
        {
            outcome = await _cells.RunAsync(code, () => CellScope.Enter(interrupt.Token, (futures, token) => FollowAsync(futures, interrupt.Token, token)), interrupt.Token)
                .ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _running = null;
            }

            _stdout.Flush();
            _stderr.Flush();
        }

        var error = outcome switch
        {
            CellOutcome.NotCompiled notCompiled => CellErrors.NotCompiled(notCompiled.Errors, code),
            CellOutcome.Failed failed => CellErrors.Threw(failed.Exception, interrupt.IsCancellationRequested),
            _ => null,
        };
        if (error is not null)
        {
            _ioPub.Publish("error", error.DeepClone().AsObject());
            error["status"] = "error";
            error["execution_count"] = count;
            return error;
        }

        if (!silent && outcome is CellOutcome.Completed { HasValue: true, Value: { } value })
        {
            Show(value, count);
        }

        return new JsonObject { ["status"] = "ok", ["execution_count"] = count, ["user_expressions"] = new JsonObject(), ["payload"] = new JsonArray() };
    }

    /// <summary>Disposes every cluster the cells' variables hold: their jobs are cancelled and their secrets removed.</summary>
    public async Task DisposeClustersAsync(Action<string> log)
    {
        foreach (var cluster in _cells.VariableValues().OfType<Cluster>().Distinct())
        {
            try
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                log($"Disposing {cluster.GetType().Name} {cluster.Name} failed: {exception}");
            }
        }
    }

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
    }

    private void Show(object value, int count)
    {
        if (Formatter.IsRunningMap(value))
        {
            // Like dask's progress widget: the bar keeps moving after the cell has returned.
            _ = _progress.FollowAsync((IReadOnlyList<Future>)value, CancellationToken.None);
            return;
        }

        _ioPub.Publish("execute_result", new JsonObject
        {
            ["execution_count"] = count, ["data"] = Formatter.Format(value).ToJson(), ["metadata"] = new JsonObject(),
        });
    }

    private async Task FollowAsync(IReadOnlyList<Future> futures, CancellationToken interrupt, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(interrupt, cancellationToken);
        await _progress.FollowAsync(futures, linked.Token).ConfigureAwait(false);
    }
}
