using System.Text;
using System.Text.Json.Nodes;
using JobQueue.Kernel.Serving;

namespace JobQueue.Kernel.Execution;

/// <summary>
/// Console output of cells (stdout or stderr) as Jupyter <c>stream</c> messages: whole lines as they are written,
/// and the rest when the cell ends.
/// </summary>
internal sealed class CellWriter(IoPub ioPub, string streamName) : TextWriter
{
    private readonly StringBuilder _pending = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Append(value.ToString());

    public override void Write(string? value) => Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

    public override void Flush()
    {
        string text;
        lock (_gate)
        {
            text = _pending.ToString();
            _pending.Clear();
        }

        if (text.Length > 0)
        {
            ioPub.Publish("stream", new JsonObject { ["name"] = streamName, ["text"] = text });
        }
    }

    private void Append(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        lock (_gate)
        {
            _pending.Append(value);
        }

        if (value.Contains('\n', StringComparison.Ordinal))
        {
            Flush();
        }
    }
}
