using System.Net;
using System.Text;

namespace JobQueue.Kernel.Display;

/// <summary>Small HTML pieces for the kernel's displays; every text in them is encoded.</summary>
internal static class Html
{
    public static string Pre(string text) => $"<pre>{WebUtility.HtmlEncode(text)}</pre>";

    /// <summary>A two-column table of names and values, under an optional bold title.</summary>
    public static string Table(string? title, IEnumerable<(string Name, string Value)> rows)
    {
        var html = new StringBuilder();
        if (title is not null)
        {
            html.Append("<div><strong>").Append(WebUtility.HtmlEncode(title)).Append("</strong></div>");
        }

        html.Append("<table>");
        foreach (var (name, value) in rows)
        {
            html.Append("<tr><th style=\"text-align:left\">").Append(WebUtility.HtmlEncode(name)).Append("</th><td style=\"text-align:left\">")
                .Append(value).Append("</td></tr>");
        }

        return html.Append("</table>").ToString();
    }

    public static string Text(string text) => WebUtility.HtmlEncode(text);

    public static string Link(string url) => $"<a href=\"{WebUtility.HtmlEncode(url)}\" target=\"_blank\">{WebUtility.HtmlEncode(url)}</a>";
}
