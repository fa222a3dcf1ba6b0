using System.Text.Json.Nodes;
using JobQueue.Kernel.Protocol;

namespace JobQueue.Kernel.Serving;

/// <summary>What the kernel says about itself in <c>kernel_info_reply</c>.</summary>
internal static class KernelInfo
{
    public static JsonObject Content() => new()
    {
        ["status"] = "ok",
        ["protocol_version"] = JupyterMessage.ProtocolVersion,
        ["implementation"] = "jobqueue-csharp",
        ["implementation_version"] = typeof(KernelInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        ["language_info"] = new JsonObject
        {
            ["name"] = "csharp",
            ["version"] = Environment.Version.ToString(),
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".csx",
            ["pygments_lexer"] = "csharp",
            ["codemirror_mode"] = "text/x-csharp",
        },
        ["banner"] = $"C# (JobQueue) on .NET {Environment.Version}: cells are C# script; JobQueue and a console app's usings are in effect.",
        ["help_links"] = new JsonArray(),
    };
}
