using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JobQueue.Kernel.Protocol;

/// <summary>
/// The frames of a message on a ZeroMQ socket: routing identities, the <c>&lt;IDS|MSG&gt;</c> delimiter, the
/// signature, then header, parent header, metadata and content as JSON (binary buffers after them are ignored).
/// </summary>
internal sealed class WireFormat(MessageSigner signer)
{
    private static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();

    /// <summary>The frames to send for <paramref name="message"/>, signed.</summary>
    public IReadOnlyList<byte[]> Encode(JupyterMessage message)
    {
        byte[][] parts =
        [
            Json(message.Header), Json(message.ParentHeader), Json(message.Metadata), Json(message.Content),
        ];
        return [.. message.Identities, Delimiter, Encoding.ASCII.GetBytes(signer.Sign(parts)), .. parts];
    }

    /// <summary>The message in <paramref name="frames"/>, or null with the reason when it is malformed or wrongly signed.</summary>
    public JupyterMessage? Decode(IReadOnlyList<byte[]> frames, out string? rejection)
    {
        var delimiter = -1;
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].AsSpan().SequenceEqual(Delimiter))
            {
                delimiter = i;
                break;
            }
        }

        if (delimiter < 0 || frames.Count < delimiter + 6)
        {
            rejection = $"a message of {frames.Count} frames without the <IDS|MSG> delimiter and five parts after it";
            return null;
        }

        byte[][] parts = [frames[delimiter + 2], frames[delimiter + 3], frames[delimiter + 4], frames[delimiter + 5]];
        if (!signer.IsValid(Encoding.ASCII.GetString(frames[delimiter + 1]), parts))
        {
            rejection = "a message whose signature does not match the connection file's key";
            return null;
        }

        try
        {
            rejection = null;
            return new JupyterMessage(frames.Take(delimiter).ToArray(), Parse(parts[0]), Parse(parts[1]), Parse(parts[2]), Parse(parts[3]));
        }
        catch (JsonException exception)
        {
            rejection = $"a message whose JSON does not parse ({exception.Message})";
            return null;
        }
    }

    private static byte[] Json(JsonObject value) => Encoding.UTF8.GetBytes(value.ToJsonString());

    private static JsonObject Parse(byte[] json) => JsonNode.Parse(json) as JsonObject ?? [];
}
