using System.Globalization;
using System.Text;

namespace JobQueue;

/// <summary>
/// Where a map's time went, like parfun's <c>profile=True</c>: <c>Console.WriteLine(futures.Profile)</c> once it
/// finished (before, it shows what has finished so far). Compute is measured on the workers; overhead is the
/// client's work that a sequential run would not do: encoding the items, forming and completing messages, and a
/// partitioned map's split and combine.
/// </summary>
public sealed record MapProfile
{
    /// <summary>Items whose result arrived.</summary>
    public int Items { get; init; }

    /// <summary>Messages the items travelled in (partitions): far fewer than items when batching works.</summary>
    public int Partitions { get; init; }

    public double AveragePartitionSize => Partitions == 0 ? 0 : (double)Items / Partitions;

    /// <summary>The partition size the cluster learned for this map, or null when <c>MapOptions.BatchSize</c> fixed it or nothing was measured.</summary>
    public int? EstimatedPartitionSize { get; init; }

    /// <summary>From the <c>Map</c> call to the last result (or the end of the combine step).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Time the workers spent on the items (decoding each argument, the function, encoding each result), summed over workers.</summary>
    public TimeSpan ComputeTime { get; init; }

    public TimeSpan MinPartitionTime { get; init; }

    public TimeSpan MaxPartitionTime { get; init; }

    public TimeSpan AveragePartitionTime => Partitions == 0 ? TimeSpan.Zero : ComputeTime / Partitions;

    /// <summary>Encoding the items and forming the partitions, on the client.</summary>
    public TimeSpan EncodingTime { get; init; }

    /// <summary>The client's share of the messages: forming and sending the partitions, completing the items' futures from their results.</summary>
    public TimeSpan MessagingTime { get; init; }

    /// <summary>The combine step of <c>MapPartitions</c>, on the client.</summary>
    public TimeSpan CombineTime { get; init; }

    public TimeSpan Overhead => EncodingTime + MessagingTime + CombineTime;

    /// <summary>
    /// How much faster than one thread the map could run with unlimited workers: the compute time over what cannot
    /// run in parallel (the client's encoding, messaging and combining) plus the longest partition. Below 1 means
    /// the items are too small to gain from workers at all.
    /// </summary>
    public double TheoreticalSpeedup
    {
        get
        {
            var serial = Overhead + MaxPartitionTime;
            return serial <= TimeSpan.Zero ? 0 : ComputeTime / serial;
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var total = ComputeTime + Overhead;
        string Share(TimeSpan part) => total <= TimeSpan.Zero ? "" : $" ({part / total:P1})";
        static string Time(TimeSpan time) => time.TotalSeconds >= 1 ? $"{time.TotalSeconds:F3} s" : $"{time.TotalMilliseconds:F3} ms";
        var text = new StringBuilder();
        var line = (string label, string value) => text.Append(CultureInfo.InvariantCulture, $"  {label,-34}{value}\n");
        text.Append(CultureInfo.InvariantCulture, $"map of {Items:N0} items in {Partitions:N0} partitions\n");
        line("elapsed:", Time(Elapsed));
        line("compute + overhead:", Time(total));
        line("compute time:", Time(ComputeTime) + Share(ComputeTime));
        line("  per partition min / max / avg:", $"{Time(MinPartitionTime)} / {Time(MaxPartitionTime)} / {Time(AveragePartitionTime)}");
        line("parallel overhead:", Time(Overhead) + Share(Overhead));
        line("  encoding and partitioning:", Time(EncodingTime) + Share(EncodingTime));
        line("  messaging (client side):", Time(MessagingTime) + Share(MessagingTime));
        line("  combining:", Time(CombineTime) + Share(CombineTime));
        line("maximum speedup (theoretical):", $"{TheoreticalSpeedup:F1}x");
        line("average partition size:", $"{AveragePartitionSize:N1} items");
        line("estimated partition size:", EstimatedPartitionSize is { } size ? $"{size:N0} items" : "fixed or not measured");
        return text.ToString().TrimEnd('\n');
    }
}
