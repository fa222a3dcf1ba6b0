using System.Text.Json.Nodes;

namespace JobQueue.Kernel.Display;

/// <summary>What a display message carries: plain text for consoles, and HTML for notebooks when there is a richer form.</summary>
internal sealed record MimeBundle(string Text, string? Html = null)
{
    public JsonObject ToJson()
    {
        var data = new JsonObject { ["text/plain"] = Text };
        if (Html is not null)
        {
            data["text/html"] = Html;
        }

        return data;
    }
}
