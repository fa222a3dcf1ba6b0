using NetMQ;
using NetMQ.Sockets;

namespace JobQueue.Kernel.Protocol;

/// <summary>
/// The kernel's five ZeroMQ sockets, served by one NetMQ poller thread: NetMQ sockets are not thread-safe, so
/// messages from any thread are queued and sent from that thread. The heartbeat echoes on the same thread, so it
/// keeps answering while a cell runs.
/// </summary>
internal sealed class KernelSockets : IDisposable
{
    private readonly RouterSocket _shell = new();
    private readonly RouterSocket _control = new();
    private readonly PublisherSocket _iopub = new();
    private readonly RouterSocket _stdin = new();
    private readonly ResponseSocket _heartbeat = new();
    private readonly NetMQQueue<(Socket Channel, JupyterMessage Message)> _outgoing = new();
    private readonly NetMQPoller _poller;
    private readonly WireFormat _wire;
    private readonly Action<string> _log;

    /// <summary>Binds every socket of <paramref name="connection"/>; <paramref name="received"/> gets each valid shell and control message on the poller thread.</summary>
    public KernelSockets(ConnectionInfo connection, Action<Socket, JupyterMessage> received, Action<string> log)
    {
        _wire = new WireFormat(new MessageSigner(connection.Key));
        _log = log;
        _shell.Bind(connection.Endpoint(connection.ShellPort));
        _control.Bind(connection.Endpoint(connection.ControlPort));
        _iopub.Bind(connection.Endpoint(connection.IopubPort));
        _stdin.Bind(connection.Endpoint(connection.StdinPort));
        _heartbeat.Bind(connection.Endpoint(connection.HeartbeatPort));

        _shell.ReceiveReady += (_, e) => Receive(Socket.Shell, e.Socket, received);
        _control.ReceiveReady += (_, e) => Receive(Socket.Control, e.Socket, received);
        // Input requests are not supported: a cell that reads the console gets end of input. Replies are drained.
        _stdin.ReceiveReady += (_, e) => e.Socket.ReceiveMultipartBytes();
        _heartbeat.ReceiveReady += (_, e) => e.Socket.SendMultipartBytes(e.Socket.ReceiveMultipartBytes());
        _outgoing.ReceiveReady += (_, e) =>
        {
            while (e.Queue.TryDequeue(out var item, TimeSpan.Zero))
            {
                SocketOf(item.Channel).SendMultipartBytes(_wire.Encode(item.Message));
            }
        };
        _poller = [_shell, _control, _iopub, _stdin, _heartbeat, _outgoing];
    }

    /// <summary>Starts serving on the poller's thread.</summary>
    public void Start() => _poller.RunAsync("jupyter-sockets");

    /// <summary>Queues <paramref name="message"/> for <paramref name="channel"/>; safe from any thread.</summary>
    public void Send(Socket channel, JupyterMessage message) => _outgoing.Enqueue((channel, message));

    public void Dispose()
    {
        if (_poller.IsRunning)
        {
            _poller.Stop();
        }

        // The poller thread has ended, so this thread may use the sockets: the last replies still go out.
        while (_outgoing.TryDequeue(out var item, TimeSpan.Zero))
        {
            SocketOf(item.Channel).SendMultipartBytes(_wire.Encode(item.Message));
        }

        _poller.Dispose();
        _outgoing.Dispose();
        foreach (var socket in new NetMQSocket[] { _shell, _control, _iopub, _stdin, _heartbeat })
        {
            socket.Options.Linger = TimeSpan.FromSeconds(1);
            socket.Dispose();
        }
    }

    private void Receive(Socket channel, NetMQSocket socket, Action<Socket, JupyterMessage> received)
    {
        var frames = socket.ReceiveMultipartBytes();
        if (_wire.Decode(frames, out var rejection) is { } message)
        {
            received(channel, message);
        }
        else
        {
            _log($"Ignored {rejection} on the {channel.ToString().ToLowerInvariant()} socket.");
        }
    }

    private NetMQSocket SocketOf(Socket channel) => channel switch
    {
        Socket.Shell => _shell,
        Socket.Control => _control,
        Socket.IoPub => _iopub,
        _ => _stdin,
    };
}
