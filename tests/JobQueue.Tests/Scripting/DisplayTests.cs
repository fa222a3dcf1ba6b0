using System.Text.RegularExpressions;
using Spectre.Console;

namespace JobQueue.Tests.Scripting;

public sealed class DisplayTests
{
    [Fact]
    public async Task Progress_outside_a_terminal_is_plain_lines_ending_with_the_final_count()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "progress" });
        var futures = cluster.Map((int x) => x == 7 ? throw new InvalidOperationException("seven") : x, Enumerable.Range(0, 50));
        var output = new StringWriter();

        await ProgressDisplay.ShowAsync(futures, output, TimeSpan.FromMilliseconds(50));

        var lines = output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("50 of 50 tasks done, 1 failed (100 %)", lines[^1]);
        Assert.All(lines, line => Assert.Matches(@"^\d+ of 50 tasks done(, 1 failed)? \(\d+ %\)$", line));
    }

    [Fact]
    public async Task Progress_in_a_terminal_is_a_live_bar_that_reaches_the_full_count()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "progress-bar" });
        var futures = cluster.Map((int x) => x + 1, Enumerable.Range(0, 50));
        var screen = new StringWriter();
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.TrueColor, Interactive = InteractionSupport.Yes, Out = new AnsiConsoleOutput(screen),
        });

        await ProgressDisplay.ShowBarAsync(terminal, [.. futures], CancellationToken.None);

        // A live display hides the cursor and redraws its frame in place; without the escape codes, each frame is a line.
        Assert.StartsWith("\u001b[?25l", screen.ToString());
        var frames = Regex.Replace(screen.ToString(), @"\u001b\[[0-9;?]*[A-Za-z]", "").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
        Assert.All(frames, frame => Assert.Matches(@"^50 tasks ━{20,} +\d+%$", frame));
        Assert.EndsWith(" 100%", frames[^1]);
    }

    [Fact]
    public async Task A_local_cluster_prints_as_a_one_line_summary()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, MemoryLimit = "1GB", Name = "summary" });
        Assert.Equal("LocalCluster(summary, not started): 0 of 2 workers, 0 threads, 0 GB", cluster.ToString());

        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));

        Assert.Matches(@"^LocalCluster\(summary, tcp://127\.0\.0\.1:\d+\): 2 of 2 workers, 4 threads, 2 GB$", cluster.ToString());
    }
}
