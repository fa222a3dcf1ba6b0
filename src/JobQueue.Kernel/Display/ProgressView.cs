using System.Globalization;
using System.Text.Json.Nodes;
using JobQueue.Kernel.Serving;

namespace JobQueue.Kernel.Display;

/// <summary>
/// A live progress bar in the cell's output: one <c>display_data</c>, then <c>update_display_data</c> on the same
/// display id until every task has ended, as dask's progress widget does.
/// </summary>
internal sealed class ProgressView(IoPub ioPub)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>The counts as text and as a bar, e.g. <c>10 tasks: 7 done, 1 running, 2 queued, 0 failed (70 %)</c>.</summary>
    public static MimeBundle Bundle(MapCounts counts)
    {
        var percent = counts.Total == 0 ? 100 : (counts.Done + counts.Failed) * 100 / counts.Total;
        var text = string.Create(CultureInfo.InvariantCulture, $"{counts} ({percent} %)");
        var html = string.Create(
            CultureInfo.InvariantCulture,
            $"<div><progress value=\"{counts.Done + counts.Failed}\" max=\"{Math.Max(counts.Total, 1)}\" style=\"width:30em\"></progress> {Html.Text(text)}</div>");
        return new MimeBundle(text, html);
    }

    /// <summary>Follows <paramref name="futures"/> until all have ended or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task FollowAsync(IReadOnlyList<Future> futures, CancellationToken cancellationToken)
    {
        var parent = ioPub.Parent;
        var displayId = Guid.NewGuid().ToString("N");
        ioPub.Publish("display_data", Message(futures, displayId), parent);
        using var timer = new PeriodicTimer(Interval);
        while (!MapCounts.Of(futures).HasEnded)
        {
            await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            ioPub.Publish("update_display_data", Message(futures, displayId), parent);
        }

        ioPub.Publish("update_display_data", Message(futures, displayId), parent);
    }

    private static JsonObject Message(IReadOnlyList<Future> futures, string displayId) => new()
    {
        ["data"] = Bundle(MapCounts.Of(futures)).ToJson(),
        ["metadata"] = new JsonObject(),
        ["transient"] = new JsonObject { ["display_id"] = displayId },
    };
}
