using System.Text.Json;
using System.Text.Json.Serialization;

namespace JobQueue.Kernel.Protocol;

/// <summary>The connection file Jupyter writes for a kernel it starts: where to listen and the key that signs messages.</summary>
internal sealed record ConnectionInfo
{
    [JsonPropertyName("transport")] public string Transport { get; init; } = "tcp";

    [JsonPropertyName("ip")] public string Ip { get; init; } = "127.0.0.1";

    [JsonPropertyName("shell_port")] public int ShellPort { get; init; }

    [JsonPropertyName("control_port")] public int ControlPort { get; init; }

    [JsonPropertyName("iopub_port")] public int IopubPort { get; init; }

    [JsonPropertyName("stdin_port")] public int StdinPort { get; init; }

    [JsonPropertyName("hb_port")] public int HeartbeatPort { get; init; }

    [JsonPropertyName("key")] public string Key { get; init; } = "";

    [JsonPropertyName("signature_scheme")] public string SignatureScheme { get; init; } = "hmac-sha256";

    /// <summary>The endpoint of one of the ports above, e.g. <c>tcp://127.0.0.1:53794</c>.</summary>
    public string Endpoint(int port) => Transport == "ipc" ? $"ipc://{Ip}-{port}" : $"{Transport}://{Ip}:{port}";

    /// <summary>Reads and checks a connection file.</summary>
    /// <exception cref="InvalidDataException">The file is not a connection file this kernel can serve; the message says which field is wrong.</exception>
    public static async Task<ConnectionInfo> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        var info = await JsonSerializer.DeserializeAsync<ConnectionInfo>(file, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"The connection file {path} is empty; Jupyter writes one JSON object with shell_port, iopub_port, key and so on.");
        if (info.SignatureScheme != "hmac-sha256")
        {
            throw new InvalidDataException($"The connection file {path} asks for signature_scheme \"{info.SignatureScheme}\"; this kernel signs with \"hmac-sha256\" only.");
        }

        if (info.Transport is not ("tcp" or "ipc"))
        {
            throw new InvalidDataException($"The connection file {path} asks for transport \"{info.Transport}\"; this kernel serves \"tcp\" or \"ipc\".");
        }

        foreach (var (name, port) in new[] { ("shell_port", info.ShellPort), ("control_port", info.ControlPort), ("iopub_port", info.IopubPort), ("stdin_port", info.StdinPort), ("hb_port", info.HeartbeatPort) })
        {
            if (port is <= 0 or > 65535)
            {
                throw new InvalidDataException($"The connection file {path} has {name} = {port}; a port is 1 to 65535.");
            }
        }

        return info;
    }
}
