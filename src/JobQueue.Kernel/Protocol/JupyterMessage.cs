using System.Globalization;
using System.Text.Json.Nodes;

namespace JobQueue.Kernel.Protocol;

/// <summary>One message of the Jupyter messaging protocol (version 5.3): routing identities and the four JSON parts.</summary>
internal sealed record JupyterMessage(
    IReadOnlyList<byte[]> Identities, JsonObject Header, JsonObject ParentHeader, JsonObject Metadata, JsonObject Content)
{
    public const string ProtocolVersion = "5.3";

    public string Type => (string?)Header["msg_type"] ?? "";

    public string Session => (string?)Header["session"] ?? "";

    /// <summary>A new message of <paramref name="type"/> in reply to (or caused by) <paramref name="parent"/>; replies go back to its sender.</summary>
    public static JupyterMessage Create(string type, JsonObject content, JupyterMessage? parent, string session) =>
        new(
            parent?.Identities ?? [],
            new JsonObject
            {
                ["msg_id"] = Guid.NewGuid().ToString("N"),
                ["session"] = session,
                ["username"] = "kernel",
                ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
                ["msg_type"] = type,
                ["version"] = ProtocolVersion,
            },
            parent?.Header.DeepClone().AsObject() ?? [],
            [],
            content);
}
