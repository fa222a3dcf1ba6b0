using System.Globalization;
using System.Buffers;

namespace JobQueue.JobScripts;

/// <summary>
/// An amount of memory, parsed the way dask does: kB, MB, GB, TB, PB (and their one-letter forms k, M, G, T, P)
/// are decimal; KiB, MiB, GiB, TiB, PiB are binary; a bare number is bytes. Units ignore case.
/// </summary>
internal readonly record struct MemorySize(long Bytes)
{
    private const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024, PiB = TiB * 1024;

    private static readonly Dictionary<string, double> UnitFactors = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = 1, ["b"] = 1,
        ["k"] = 1e3, ["kb"] = 1e3, ["m"] = 1e6, ["mb"] = 1e6, ["g"] = 1e9, ["gb"] = 1e9,
        ["t"] = 1e12, ["tb"] = 1e12, ["p"] = 1e15, ["pb"] = 1e15,
        ["kib"] = KiB, ["mib"] = MiB, ["gib"] = GiB, ["tib"] = TiB, ["pib"] = PiB,
    };

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Parses <paramref name="text"/>; <paramref name="optionName"/> names the setting in the error.</summary>
    /// <exception cref="ArgumentException">The text is not a positive memory size.</exception>
    public static MemorySize Parse(string text, string optionName)
    {
        // A number, then a unit of letters, with white space around either. Split by hand rather than by a regular
        // expression: every worker parses its --memory-limit, and the regex engine would be loaded for that alone.
        var trimmed = text.AsSpan().Trim();
        var unitStart = trimmed.IndexOfAny(AsciiLetters) is var letter and >= 0 ? letter : trimmed.Length;
        var digits = trimmed[..unitStart].TrimEnd();
        var unit = trimmed[unitStart..];
        if (!unit.ContainsAnyExcept(AsciiLetters)
            && UnitFactors.TryGetValue(unit.ToString(), out var factor)
            && double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            var bytes = Math.Round(number * factor);
            if (bytes >= 1 && bytes < long.MaxValue)
            {
                return new MemorySize((long)bytes);
            }
        }

        throw new ArgumentException(
            $"{optionName} = \"{text}\" is not a memory size. Write a positive number with a unit, e.g. \"24GB\" " +
            "(decimal units: kB, MB, GB, TB; binary units: KiB, MiB, GiB, TiB); a bare number means bytes.",
            OptionChecks.ParameterName(optionName));
    }

    /// <summary>Splits the memory evenly, e.g. among the worker processes of one job.</summary>
    public MemorySize DividedBy(int parts) => new(Bytes / parts);

    /// <summary>Two decimals in binary units, e.g. <c>11.18GiB</c>, as dask gives a worker its memory limit.</summary>
    public string ToBinaryString()
    {
        foreach (var (unit, size) in new[] { ("PiB", PiB), ("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB) })
        {
            if (Bytes >= size * 0.9)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{(double)Bytes / size:0.00}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Bytes}B");
    }

    /// <summary>
    /// Rounded up to whole GiB from 1 GiB, else to MiB, else KiB, with one-letter binary units (<c>23G</c> for 24GB):
    /// the form Slurm's <c>--mem</c> takes, and never less than asked for.
    /// </summary>
    public string ToCeilingString() => Bytes switch
    {
        >= GiB => $"{Ceiling(GiB)}G",
        >= MiB => $"{Ceiling(MiB)}M",
        _ => $"{Ceiling(KiB)}K",
    };

    /// <summary>
    /// Whole GiB when exact, else rounded up to MiB (<c>2862M</c> for 3GB): a per-CPU or per-slot request loses
    /// little to rounding, because the batch system multiplies it.
    /// </summary>
    public string ToMebibyteCeilingString() => Bytes % GiB == 0 ? $"{Bytes / GiB}G" : $"{Ceiling(MiB)}M";

    /// <summary>PBS units rounded up: GB from 10 GiB, else MB from 10 MiB, else kB (binary multiples, as PBS reads them).</summary>
    public string ToPbsString() => Bytes switch
    {
        >= 10 * GiB => $"{Ceiling(GiB)}GB",
        >= 10 * MiB => $"{Ceiling(MiB)}MB",
        _ => $"{Ceiling(KiB)}kB",
    };

    private long Ceiling(long unit) => (Bytes + unit - 1) / unit;
}
