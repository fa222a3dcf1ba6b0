using System.Globalization;

namespace JobQueue.JobScripts;

/// <summary>
/// The fractions of a worker's memory limit at which it pauses (takes no new tasks) and at which it leaves to be
/// restarted by its nanny: dask's <c>distributed.worker.memory.pause</c> and <c>.terminate</c>. Null turns one off.
/// </summary>
internal readonly record struct MemoryFractions(double? Pause, double? Terminate)
{
    public static readonly MemoryFractions Default = new(0.80, 0.95);

    /// <summary>The fractions of <paramref name="options"/>, checked.</summary>
    /// <exception cref="ArgumentException">A fraction is not above 0 and at most 1, or pausing would not come before leaving.</exception>
    public static MemoryFractions From(ClusterOptions options, string optionsType)
    {
        var fractions = new MemoryFractions(
            Check(options.MemoryPauseFraction, optionsType, nameof(options.MemoryPauseFraction), "pausing", Default.Pause!.Value),
            Check(options.MemoryTerminateFraction, optionsType, nameof(options.MemoryTerminateFraction), "restarting", Default.Terminate!.Value));
        if (fractions.Pause >= fractions.Terminate)
        {
            throw new ArgumentException(
                Invariant($"{optionsType}.{nameof(options.MemoryPauseFraction)} = {fractions.Pause} must be below {optionsType}.{nameof(options.MemoryTerminateFraction)} = {fractions.Terminate}, so that a worker pauses before it is restarted, e.g. MemoryPauseFraction = 0.8 and MemoryTerminateFraction = 0.95."),
                nameof(options.MemoryPauseFraction));
        }

        return fractions;
    }

    /// <summary>A fraction on the worker's command line: a number, or <c>off</c>.</summary>
    public static string ToArgument(double? fraction) => fraction is { } value ? value.ToString("0.###", CultureInfo.InvariantCulture) : "off";

    /// <summary>Reads <see cref="ToArgument"/>'s form; null for <c>off</c>.</summary>
    /// <exception cref="ArgumentException">Neither a fraction above 0 and at most 1 nor <c>off</c>.</exception>
    public static double? ParseArgument(string text, string option) =>
        text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null
        : double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 1 ? value
        : throw new ArgumentException($"Invalid worker command line: {option} {text} must be a fraction above 0 and at most 1, or off, e.g. {option} 0.8.");

    private static double? Check(double? fraction, string optionsType, string option, string what, double example) =>
        fraction is null or (> 0 and <= 1)
            ? fraction
            : throw new ArgumentException(
                Invariant($"{optionsType}.{option} = {fraction} must be a fraction of the worker's memory limit above 0 and at most 1, or null to turn {what} off, e.g. {option} = {example}."),
                option);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
