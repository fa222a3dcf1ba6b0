using System.Buffers.Text;

namespace JobQueue.Worker;

/// <summary>
/// This process's resident memory, read cheaply enough to sample several times a second: on Linux from
/// <c>/proc/self/statm</c>, kept open and read again from its start (no allocation, no process snapshot).
/// </summary>
internal sealed class ResidentMemory : IDisposable
{
    private readonly FileStream? _statm;
    private readonly byte[] _buffer = new byte[128];

    public ResidentMemory()
    {
        if (OperatingSystem.IsLinux())
        {
            _statm = new FileStream("/proc/self/statm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }
    }

    /// <summary>Resident bytes now. Not thread-safe: one sampler reads it.</summary>
    public long Read()
    {
        if (_statm is null)
        {
            return Environment.WorkingSet;
        }

        // "size resident shared text lib data dt", in pages.
        _statm.Position = 0;
        var length = _statm.Read(_buffer);
        var fields = _buffer.AsSpan(0, length);
        var space = fields.IndexOf((byte)' ');
        return space >= 0 && Utf8Parser.TryParse(fields[(space + 1)..], out long pages, out _)
            ? pages * Environment.SystemPageSize
            : Environment.WorkingSet;
    }

    public void Dispose() => _statm?.Dispose();
}
