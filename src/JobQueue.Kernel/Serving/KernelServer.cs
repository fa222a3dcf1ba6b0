using System.Text.Json.Nodes;
using System.Threading.Channels;
using JobQueue.Kernel.Execution;
using JobQueue.Kernel.Protocol;

namespace JobQueue.Kernel.Serving;

/// <summary>
/// Serves one Jupyter session: shell requests one after the other (a cell at a time), control requests at once on
/// the socket thread, so an interrupt reaches a running cell and a shutdown ends the kernel.
/// </summary>
internal sealed class KernelServer : IDisposable
{
    private readonly KernelSockets _sockets;
    private readonly Channel<JupyterMessage> _shell = System.Threading.Channels.Channel.CreateUnbounded<JupyterMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<(Socket, JupyterMessage)> _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _log;
    private readonly IoPub _ioPub;
    private readonly CellExecutor _executor;
    private readonly CodeAssistant _assistant;
    private readonly CellRunner _cells;
    private int _warmingUp;

    public KernelServer(ConnectionInfo connection, string baseDirectory, Action<string> log)
    {
        _log = log;
        _sockets = new KernelSockets(connection, Received, log);
        _ioPub = new IoPub(_sockets, Guid.NewGuid().ToString("N"));
        _cells = new CellRunner(CellOptions.For(baseDirectory));
        _executor = new CellExecutor(_cells, _ioPub);
        _assistant = new CodeAssistant(_cells);
    }

    /// <summary>Serves until a shutdown request (or <paramref name="cancellationToken"/>), then disposes the clusters the cells made.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _sockets.Start();
        _ioPub.Status("starting", null);
        var serving = ServeShellAsync(cancellationToken);
        var (channel, request) = await _shutdown.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        _log("Shutting down: disposing the clusters the cells made.");
        _executor.Interrupt();
        _shell.Writer.TryComplete();
        await serving.ConfigureAwait(false);
        await _executor.DisposeClustersAsync(_log).ConfigureAwait(false);
        var restart = (bool?)request.Content["restart"] ?? false;
        Reply(channel, request, "shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart });
        _ioPub.Status("idle", request);
    }

    public void Dispose()
    {
        _executor.Dispose();
        _sockets.Dispose();
    }

    // On the socket thread: shell requests wait their turn, control requests are answered now.
    private void Received(Socket channel, JupyterMessage message)
    {
        if (channel == Socket.Shell && message.Type != "shutdown_request")
        {
            _shell.Writer.TryWrite(message);
            return;
        }

        switch (message.Type)
        {
            case "interrupt_request":
                _ioPub.Status("busy", message);
                _executor.Interrupt();
                Reply(channel, message, "interrupt_reply", new JsonObject { ["status"] = "ok" });
                _ioPub.Status("idle", message);
                break;
            case "shutdown_request":
                _ioPub.Status("busy", message);
                _shutdown.TrySetResult((channel, message));
                break;
            case "kernel_info_request":
                _ioPub.Status("busy", message);
                Reply(channel, message, "kernel_info_reply", KernelInfo.Content());
                _ioPub.Status("idle", message);
                WarmUpOnce();
                break;
            default:
                _log($"Ignored a {message.Type} on the control socket: this kernel does not serve it there.");
                break;
        }
    }

    private async Task ServeShellAsync(CancellationToken cancellationToken)
    {
        await foreach (var request in _shell.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _ioPub.Status("busy", request);
            try
            {
                if (await AnswerAsync(request).ConfigureAwait(false) is { } reply)
                {
                    Reply(Socket.Shell, request, request.Type.Replace("_request", "_reply", StringComparison.Ordinal), reply);
                    if (request.Type == "execute_request" && (string?)reply["status"] == "error" && ((bool?)request.Content["stop_on_error"] ?? true))
                    {
                        AbortQueuedCells();
                    }
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A request the kernel fails to answer must not end the session.
                _log($"Failed to answer a {request.Type}: {exception}");
                Reply(Socket.Shell, request, request.Type.Replace("_request", "_reply", StringComparison.Ordinal), new JsonObject
                {
                    ["status"] = "error", ["ename"] = exception.GetType().Name, ["evalue"] = exception.Message, ["traceback"] = new JsonArray(),
                });
            }

            _ioPub.Status("idle", request);
            if (request.Type == "kernel_info_request")
            {
                WarmUpOnce();
            }
        }
    }

    // Front ends ask for the kernel's info first and show it as ready on the answer: the compiler warms up after that.
    private void WarmUpOnce()
    {
        if (Interlocked.Exchange(ref _warmingUp, 1) == 0)
        {
            _cells.StartWarmUp(_log);
        }
    }

    // As in other kernels, a failed or interrupted cell cancels the cells queued behind it ("Run all" stops there).
    private void AbortQueuedCells()
    {
        var others = new List<JupyterMessage>();
        while (_shell.Reader.TryRead(out var queued))
        {
            if (queued.Type != "execute_request")
            {
                others.Add(queued);
                continue;
            }

            _ioPub.Status("busy", queued);
            Reply(Socket.Shell, queued, "execute_reply", new JsonObject { ["status"] = "aborted" });
            _ioPub.Status("idle", queued);
        }

        // The requests that were not cells keep their turn, after the aborted cells.
        foreach (var other in others)
        {
            _shell.Writer.TryWrite(other);
        }
    }

    private async Task<JsonObject?> AnswerAsync(JupyterMessage request)
    {
        var content = request.Content;
        var code = (string?)content["code"] ?? "";
        var cursor = (int?)content["cursor_pos"] ?? code.Length;
        switch (request.Type)
        {
            case "execute_request":
                return await _executor.ExecuteAsync(request).ConfigureAwait(false);
            case "kernel_info_request":
                return KernelInfo.Content();
            case "is_complete_request":
                return CodeAssistant.IsComplete(code) ? new JsonObject { ["status"] = "complete" } : new JsonObject { ["status"] = "incomplete", ["indent"] = "" };
            case "complete_request":
                var (matches, start) = _assistant.Complete(code, cursor);
                return new JsonObject
                {
                    ["status"] = "ok", ["matches"] = new JsonArray([.. matches.Select(match => (JsonNode)match)]),
                    ["cursor_start"] = start, ["cursor_end"] = cursor, ["metadata"] = new JsonObject(),
                };
            case "inspect_request":
                var found = _assistant.Inspect(code, cursor);
                return new JsonObject
                {
                    ["status"] = "ok", ["found"] = found is not null,
                    ["data"] = found is null ? new JsonObject() : new JsonObject { ["text/plain"] = found }, ["metadata"] = new JsonObject(),
                };
            case "comm_info_request":
                return new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() };
            case "history_request":
                return new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() };
            default:
                _log($"Ignored a {request.Type}: this kernel does not serve it.");
                return null;
        }
    }

    private void Reply(Socket channel, JupyterMessage request, string type, JsonObject content) =>
        _sockets.Send(channel, JupyterMessage.Create(type, content, request, _ioPub.Session));
}
