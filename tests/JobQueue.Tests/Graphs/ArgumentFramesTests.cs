using JobQueue.Protocol;

namespace JobQueue.Tests.Graphs;

/// <summary>The framing of several encoded arguments, which the coordinator joins without decoding and the worker splits.</summary>
public sealed class ArgumentFramesTests
{
    [Fact]
    public void Joined_arguments_split_back_into_the_same_bytes_empty_ones_included()
    {
        byte[][] arguments = [[1, 2, 3], [], [4]];

        var split = ArgumentFrames.Split(ArgumentFrames.Join(arguments), 3);

        Assert.Equal(arguments, split.Select(part => part.ToArray()));
    }

    [Fact]
    public void Bytes_cut_short_are_refused_naming_the_argument()
    {
        var joined = ArgumentFrames.Join([[9], []]);

        var missing = Assert.Throws<InvalidDataException>(() => ArgumentFrames.Split(joined, 3));
        var halfLength = Assert.Throws<InvalidDataException>(() => ArgumentFrames.Split(joined.AsMemory(0, 7), 2));

        Assert.StartsWith("Argument 2 of 3 is cut short", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("Argument 1 of 2 is cut short", halfLength.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_last_argument_and_a_length_past_the_end_are_refused()
    {
        var joined = ArgumentFrames.Join([[9], [8]]);
        byte[] overlong = [200, 0, 0, 0, 1];

        Assert.StartsWith("The task's arguments hold bytes after its 1 framed values", Assert.Throws<InvalidDataException>(() => ArgumentFrames.Split(joined, 1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Argument 0 of 1 is cut short", Assert.Throws<InvalidDataException>(() => ArgumentFrames.Split(overlong, 1)).Message, StringComparison.Ordinal);
    }
}
