using JobQueue.JobScripts;

namespace JobQueue.Tests.JobScripts;

public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("24GB", 24_000_000_000L)]
    [InlineData("24G", 24_000_000_000L)]
    [InlineData("24gb", 24_000_000_000L)]
    [InlineData("24GiB", 24L * 1024 * 1024 * 1024)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("512MiB", 512L * 1024 * 1024)]
    [InlineData("1.5TB", 1_500_000_000_000L)]
    [InlineData("1.5TiB", 1_649_267_441_664L)]
    [InlineData("2kB", 2_000L)]
    [InlineData("2KiB", 2_048L)]
    [InlineData("5 GB", 5_000_000_000L)]
    [InlineData(" 100 ", 100L)]
    [InlineData("4096B", 4_096L)]
    [InlineData("1P", 1_000_000_000_000_000L)]
    public void Parses_decimal_and_binary_units_like_dask(string text, long bytes) =>
        Assert.Equal(bytes, MemorySize.Parse(text, "SlurmOptions.Memory").Bytes);

    [Theory]
    [InlineData("lots")]
    [InlineData("")]
    [InlineData("-1GB")]
    [InlineData("0")]
    [InlineData("0.0000001B")]
    [InlineData("24XB")]
    [InlineData("1.2.3GB")]
    [InlineData("GB")]
    [InlineData("24 G B")]
    public void Rejects_what_is_not_a_positive_size_naming_the_option_and_an_example(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => MemorySize.Parse(text, "SlurmOptions.Memory"));

        Assert.Equal("Memory", error.ParamName);
        Assert.StartsWith($"SlurmOptions.Memory = \"{text}\" is not a memory size.", error.Message);
        Assert.Contains("e.g. \"24GB\"", error.Message);
    }

    [Theory]
    [InlineData(24_000_000_000L, "23G")]
    [InlineData(24L * 1024 * 1024 * 1024, "24G")]
    [InlineData(1024L * 1024 * 1024 + 1, "2G")]
    [InlineData(512_000_000L, "489M")]
    [InlineData(1_000_000L, "977K")]
    [InlineData(10L, "1K")]
    public void Slurm_memory_rounds_up_to_whole_binary_units(long bytes, string expected) =>
        Assert.Equal(expected, new MemorySize(bytes).ToCeilingString());

    [Theory]
    [InlineData(3_000_000_000L, "2862M")]
    [InlineData(4L * 1024 * 1024 * 1024, "4G")]
    [InlineData(1_000_000L, "1M")]
    public void Per_cpu_and_per_slot_memory_rounds_up_to_MiB_unless_whole_GiB(long bytes, string expected) =>
        Assert.Equal(expected, new MemorySize(bytes).ToMebibyteCeilingString());

    [Theory]
    [InlineData(24_000_000_000L, "23GB")]
    [InlineData(2_000_000_000L, "1908MB")]
    [InlineData(5_000_000L, "4883kB")]
    public void Pbs_memory_uses_GB_from_10_GiB_else_MB_rounding_up(long bytes, string expected) =>
        Assert.Equal(expected, new MemorySize(bytes).ToPbsString());

    [Theory]
    [InlineData(12_000_000_000L, "11.18GiB")]
    [InlineData(6_000_000_000L, "5.59GiB")]
    [InlineData(1_000_000_000L, "0.93GiB")]
    [InlineData(500_000L, "488.28KiB")]
    [InlineData(100L, "100B")]
    public void Worker_memory_limit_is_written_in_binary_units_with_two_decimals(long bytes, string expected)
    {
        var text = new MemorySize(bytes).ToBinaryString();

        Assert.Equal(expected, text);
        Assert.Equal(bytes, MemorySize.Parse(text, "limit").Bytes, tolerance: bytes / 200.0);
    }
}
