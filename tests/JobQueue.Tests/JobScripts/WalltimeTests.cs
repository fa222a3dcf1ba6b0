using JobQueue.JobScripts;

namespace JobQueue.Tests.JobScripts;

public sealed class WalltimeTests
{
    [Theory]
    [InlineData("30", 0, 0, 30, 0)]
    [InlineData("90", 0, 1, 30, 0)]
    [InlineData("30:15", 0, 0, 30, 15)]
    [InlineData("02:30:00", 0, 2, 30, 0)]
    [InlineData("48:00:00", 2, 0, 0, 0)]
    [InlineData("1-12", 1, 12, 0, 0)]
    [InlineData("1-12:30", 1, 12, 30, 0)]
    [InlineData("1-12:30:15", 1, 12, 30, 15)]
    public void Slurm_accepts_its_six_forms(string text, int days, int hours, int minutes, int seconds)
    {
        var walltime = Walltime.Parse(text, WalltimeSyntax.Slurm, "SlurmOptions.Walltime");

        Assert.Equal(new TimeSpan(days, hours, minutes, seconds), walltime.Duration);
        Assert.Equal(text, walltime.Text);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("2h")]
    [InlineData("")]
    [InlineData("1:60:00")]
    [InlineData("1:00:60")]
    [InlineData("1-24")]
    [InlineData("00:00:00")]
    [InlineData("0")]
    [InlineData("1-2-3")]
    public void Slurm_rejects_anything_else_listing_the_forms(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Walltime.Parse(text, WalltimeSyntax.Slurm, "SlurmOptions.Walltime"));

        Assert.Equal("Walltime", error.ParamName);
        Assert.Equal(
            $"SlurmOptions.Walltime = \"{text}\" is not a time limit this batch system accepts. Use \"MM\", \"MM:SS\", \"HH:MM:SS\", \"D-HH\", \"D-HH:MM\" or \"D-HH:MM:SS\", e.g. \"02:30:00\" for two and a half hours. (Parameter 'Walltime')",
            error.Message);
    }

    [Theory]
    [InlineData("02:30:00", 2, 30)]
    [InlineData("100:00:00", 100, 0)]
    public void Grid_Engine_and_PBS_accept_hours_minutes_seconds(string text, int hours, int minutes) =>
        Assert.Equal(new TimeSpan(hours, minutes, 0), Walltime.Parse(text, WalltimeSyntax.HoursMinutesSeconds, "SGEOptions.Walltime").Duration);

    [Theory]
    [InlineData("2h")]
    [InlineData("30")]
    [InlineData("1-12")]
    [InlineData("30:00")]
    public void Grid_Engine_and_PBS_reject_other_forms_naming_HH_MM_SS(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Walltime.Parse(text, WalltimeSyntax.HoursMinutesSeconds, "PBSOptions.Walltime"));

        Assert.Contains($"PBSOptions.Walltime = \"{text}\" is not a time limit this batch system accepts. Use \"HH:MM:SS\"", error.Message);
    }

    [Theory]
    [InlineData("02:30", 2, 30)]
    [InlineData("100:00", 100, 0)]
    [InlineData("90", 1, 30)]
    public void LSF_style_systems_accept_hours_minutes_or_minutes(string text, int hours, int minutes) =>
        Assert.Equal(new TimeSpan(hours, minutes, 0), Walltime.Parse(text, WalltimeSyntax.HoursMinutes, "LsfOptions.Walltime").Duration);

    [Theory]
    [InlineData("02:30:00")]
    [InlineData("1:75")]
    [InlineData("1-12")]
    public void LSF_style_systems_reject_other_forms_naming_HH_MM(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Walltime.Parse(text, WalltimeSyntax.HoursMinutes, "LsfOptions.Walltime"));

        Assert.Contains($"LsfOptions.Walltime = \"{text}\" is not a time limit this batch system accepts. Use \"HH:MM\" or \"MM\", e.g. \"02:30\"", error.Message);
    }

    [Fact]
    public void The_default_of_thirty_minutes_is_written_in_each_syntax() =>
        Assert.Equal(
            [TimeSpan.FromMinutes(30)],
            Enum.GetValues<WalltimeSyntax>().Select(syntax => Walltime.Parse(Walltime.DefaultText(syntax), syntax, "Walltime").Duration).Distinct());
}
