using System.Collections;
using System.Globalization;

namespace JobQueue.Kernel.Display;

/// <summary>How a cell's value shows: JobQueue's types richly, collections as their items, anything else as its invariant-culture text.</summary>
internal static class Formatter
{
    private const int ItemsShown = 100;

    public static MimeBundle Format(object value) => value switch
    {
        Cluster cluster => ClusterView.Of(cluster),
        MapProfile profile => ProfileView.Of(profile),
        JobInfo job => Preformatted(job.ToString()),
        JobLog log => Preformatted($"{string.Join(", ", log.Paths)}\n{log.Tail(int.MaxValue)}"),
        _ when IsMapResult(value) => ProgressView.Bundle(MapCounts.Of((IEnumerable<Future>)value)),
        string text => new MimeBundle(text),
        IEnumerable items => new MimeBundle(Items(items)),
        _ => new MimeBundle(Text(value)),
    };

    /// <summary>True for the futures of a <c>Map</c> that still has tasks queued or running.</summary>
    public static bool IsRunningMap(object? value) => value is not null && IsMapResult(value) && !MapCounts.Of((IEnumerable<Future>)value).HasEnded;

    private static bool IsMapResult(object value) => value.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(MapResult<>);

    private static MimeBundle Preformatted(string text) => new(text, Html.Pre(text));

    private static string Items(IEnumerable items)
    {
        var shown = items.Cast<object?>().Take(ItemsShown + 1).Select(Text).ToList();
        return $"[{string.Join(", ", shown.Take(ItemsShown))}{(shown.Count > ItemsShown ? ", …" : "")}]";
    }

    private static string Text(object? value) => value switch
    {
        null => "null",
        string text => text,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
