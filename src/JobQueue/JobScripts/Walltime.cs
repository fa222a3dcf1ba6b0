using System.Text.RegularExpressions;

namespace JobQueue.JobScripts;

/// <summary>A job's time limit: the text written into the script and the span it stands for.</summary>
internal sealed partial record Walltime(string Text, TimeSpan Duration)
{
    [GeneratedRegex(@"^(?<m>\d+)$")] private static partial Regex Minutes();
    [GeneratedRegex(@"^(?<m>\d+):(?<s>\d{1,2})$")] private static partial Regex MinutesSeconds();
    [GeneratedRegex(@"^(?<h>\d+):(?<m>\d{1,2}):(?<s>\d{1,2})$")] private static partial Regex HoursMinutesSeconds();
    [GeneratedRegex(@"^(?<h>\d+):(?<m>\d{1,2})$")] private static partial Regex HoursMinutes();
    [GeneratedRegex(@"^(?<d>\d+)-(?<h>\d{1,2})(?::(?<m>\d{1,2})(?::(?<s>\d{1,2}))?)?$")] private static partial Regex DaysHours();

    /// <summary>Thirty minutes, dask-jobqueue's default, as <paramref name="syntax"/> writes it.</summary>
    public static string DefaultText(WalltimeSyntax syntax) => syntax == WalltimeSyntax.HoursMinutes ? "00:30" : "00:30:00";

    /// <summary>Parses <paramref name="text"/> in <paramref name="syntax"/>; <paramref name="optionName"/> names the setting in the error.</summary>
    /// <exception cref="ArgumentException">The text is not a positive time limit in that syntax.</exception>
    public static Walltime Parse(string text, WalltimeSyntax syntax, string optionName)
    {
        var patterns = syntax switch
        {
            WalltimeSyntax.Slurm => new[] { Minutes(), MinutesSeconds(), HoursMinutesSeconds(), DaysHours() },
            WalltimeSyntax.HoursMinutes => [HoursMinutes(), Minutes()],
            _ => [HoursMinutesSeconds()],
        };
        foreach (var pattern in patterns)
        {
            var match = pattern.Match(text.Trim());
            if (match.Success && TryDuration(match, out var duration) && duration > TimeSpan.Zero)
            {
                return new Walltime(text.Trim(), duration);
            }
        }

        var (accepted, example) = syntax switch
        {
            WalltimeSyntax.Slurm => ("\"MM\", \"MM:SS\", \"HH:MM:SS\", \"D-HH\", \"D-HH:MM\" or \"D-HH:MM:SS\"", "02:30:00"),
            WalltimeSyntax.HoursMinutes => ("\"HH:MM\" or \"MM\"", "02:30"),
            _ => ("\"HH:MM:SS\"", "02:30:00"),
        };
        throw new ArgumentException(
            $"{optionName} = \"{text}\" is not a time limit this batch system accepts. Use {accepted}, e.g. \"{example}\" for two and a half hours.",
            OptionChecks.ParameterName(optionName));
    }

    // Only the leading field may exceed its usual range ("90:00" is 90 minutes); later fields must stay below 60 or 24.
    private static bool TryDuration(Match match, out TimeSpan duration)
    {
        int Field(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value) : 0;
        var leading = match.Groups["d"].Success ? "d" : match.Groups["h"].Success ? "h" : "m";
        bool Within(string name, int limit) => name == leading || Field(name) < limit;
        duration = TimeSpan.Zero;
        if (!Within("h", 24) || !Within("m", 60) || !Within("s", 60))
        {
            return false;
        }

        duration = new TimeSpan(Field("d"), Field("h"), Field("m"), Field("s"));
        return true;
    }
}
