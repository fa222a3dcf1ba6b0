using System.Globalization;

namespace JobQueue.Kernel.Display;

/// <summary>A map's profile as a table of where its time went.</summary>
internal static class ProfileView
{
    public static MimeBundle Of(MapProfile profile)
    {
        (string, string)[] rows =
        [
            ("Items", Invariant($"{profile.Items:N0}")),
            ("Partitions", Invariant($"{profile.Partitions:N0} (about {profile.AveragePartitionSize:0.#} items each)")),
            ("Elapsed", Seconds(profile.Elapsed)),
            ("Compute on workers", Seconds(profile.ComputeTime)),
            ("Partition time", $"{Seconds(profile.MinPartitionTime)} to {Seconds(profile.MaxPartitionTime)}, {Seconds(profile.AveragePartitionTime)} on average"),
            ("Overhead", $"{Seconds(profile.Overhead)} (encoding {Seconds(profile.EncodingTime)}, messaging {Seconds(profile.MessagingTime)}, combining {Seconds(profile.CombineTime)})"),
            ("Theoretical speed-up", Invariant($"{profile.TheoreticalSpeedup:0.#}")),
        ];
        return new MimeBundle(profile.ToString(), Html.Table("Map profile", rows.Select(row => (row.Item1, Html.Text(row.Item2)))));
    }

    private static string Seconds(TimeSpan time) => Invariant($"{time.TotalSeconds:0.###} s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
