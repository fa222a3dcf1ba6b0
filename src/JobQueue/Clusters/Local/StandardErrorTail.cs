namespace JobQueue;

/// <summary>
/// The last lines a worker process wrote to standard error, kept to say why it died. Lines written before the worker
/// connected are held back; once it has connected they, and all later lines, go on to this process's standard error,
/// so a worker that keeps dying at start does not print its stack trace at every restart.
/// </summary>
internal sealed class StandardErrorTail
{
    private const int LinesKept = 20;

    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();
    private bool _passingOn;

    public void Add(string line)
    {
        lock (_lock)
        {
            if (_passingOn)
            {
                Console.Error.WriteLine(line);
            }

            _lines.Enqueue(line);
            if (_lines.Count > LinesKept)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The worker connected: what it wrote so far, and what it writes from now on, is shown.</summary>
    public void PassOn()
    {
        lock (_lock)
        {
            if (!_passingOn)
            {
                _passingOn = true;
                foreach (var line in _lines)
                {
                    Console.Error.WriteLine(line);
                }
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _lines.Count == 0 ? "(nothing)" : string.Join('\n', _lines);
        }
    }
}
