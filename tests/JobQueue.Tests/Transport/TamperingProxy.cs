using System.Net;
using System.Net.Sockets;
using System.Text;

namespace JobQueue.Tests.Transport;

/// <summary>
/// A host on the path between workers and the coordinator, on 127.0.0.1: it relays every connection, watches for a
/// plaintext marker in either direction, rewrites it, and can flip one byte of a chosen connection once it has relayed
/// enough for the worker to be authenticated.
/// </summary>
internal sealed class TamperingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly byte[] _marker;
    private readonly byte[] _replacement;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _relays = [];
    private readonly Task _accepting;
    private int _connections;
    private int _markersSeen;
    private int _flipsLeft;
    private long _flipAfter;

    /// <param name="target">The coordinator's port.</param>
    /// <param name="marker">Plaintext to look for.</param>
    /// <param name="replacement">What replaces the marker, of the same length.</param>
    public TamperingProxy(int target, string marker, string replacement)
    {
        _target = target;
        _marker = Encoding.UTF8.GetBytes(marker);
        _replacement = Encoding.UTF8.GetBytes(replacement);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections relayed so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How often the marker was seen, and rewritten, in the relayed bytes.</summary>
    public int MarkersSeen => Volatile.Read(ref _markersSeen);

    /// <summary>Flips one byte of the worker-bound stream of the next connection, once <paramref name="afterBytes"/> have passed.</summary>
    public void FlipOneByteAfter(long afterBytes)
    {
        Volatile.Write(ref _flipAfter, afterBytes);
        Volatile.Write(ref _flipsLeft, 1);
    }

    /// <summary>Whether a flip asked for has happened.</summary>
    public bool Flipped => Volatile.Read(ref _flipsLeft) == 0 && Volatile.Read(ref _flipAfter) > 0;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll(relays);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient worker;
            try
            {
                worker = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_relays)
            {
                _relays.Add(RelayAsync(worker));
            }
        }
    }

    private async Task RelayAsync(TcpClient worker)
    {
        using (worker)
        using (var coordinator = new TcpClient())
        {
            try
            {
                await coordinator.ConnectAsync(IPAddress.Loopback, _target, _stopping.Token);
                var flipHere = Interlocked.CompareExchange(ref _flipsLeft, 0, 1) == 1;
                using var either = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                var up = PumpAsync(worker.GetStream(), coordinator.GetStream(), flipAt: -1, either.Token);
                var down = PumpAsync(coordinator.GetStream(), worker.GetStream(), flipHere ? Volatile.Read(ref _flipAfter) : -1, either.Token);
                await Task.WhenAny(up, down);
                await either.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException)
            {
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, long flipAt, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long relayed = 0;
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                for (var at = chunk.IndexOf(_marker); at >= 0; at = chunk.IndexOf(_marker))
                {
                    Interlocked.Increment(ref _markersSeen);
                    _replacement.CopyTo(chunk[at..]);
                }

                if (flipAt >= 0 && relayed + read > flipAt)
                {
                    chunk[(int)Math.Max(0, flipAt - relayed)] ^= 0x20;
                    flipAt = -1;
                }

                relayed += read;
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            to.Socket.Shutdown(SocketShutdown.Send);
        }
    }
}
