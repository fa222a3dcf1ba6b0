using System.Globalization;

namespace JobQueue.JobScripts;

/// <summary>
/// Abstract resources (dask's <c>resources</c>): names with amounts, e.g. <c>gpu=1</c>, that workers declare
/// (<c>WorkerResources</c>, the worker's <c>--resources gpu=1,ssd=2</c>) and items ask for (<c>MapOptions.Resources</c>).
/// </summary>
internal static class ResourceAmounts
{
    private const string Example = "{ [\"gpu\"] = 1 }";

    /// <summary>Null stays null; otherwise every name is letters, digits, '_', '-' or '.', and every amount a finite number above 0.</summary>
    /// <exception cref="ArgumentException">A name or amount is not; the message names <paramref name="option"/> and the accepted form.</exception>
    public static IReadOnlyDictionary<string, double>? Check(IReadOnlyDictionary<string, double>? amounts, string option)
    {
        if (amounts is null)
        {
            return null;
        }

        foreach (var (name, amount) in amounts)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"{option} names a resource \"{name}\": use letters, digits, '_', '-' and '.', e.g. {option.Split('.')[^1]} = {Example}.", option.Split('.')[^1]);
            }

            if (!double.IsFinite(amount) || amount <= 0)
            {
                throw new ArgumentException($"{option}[\"{name}\"] = {amount.ToString(CultureInfo.InvariantCulture)} must be a number greater than 0, e.g. {option.Split('.')[^1]} = {Example}.", option.Split('.')[^1]);
            }
        }

        return amounts.ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>The command-line form, names in order: <c>gpu=1,ssd=2</c>.</summary>
    public static string Format(IReadOnlyDictionary<string, double> amounts) =>
        string.Join(",", amounts.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>Reads <see cref="Format"/>'s form.</summary>
    /// <exception cref="ArgumentException">Not that form; the message names <paramref name="option"/>.</exception>
    public static IReadOnlyDictionary<string, double> Parse(string text, string option)
    {
        var amounts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=');
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !amounts.TryAdd(parts[0], amount))
            {
                throw new ArgumentException($"{option} \"{text}\" must be name=amount pairs separated by commas, each name once, e.g. {option} gpu=1,ssd=2.");
            }
        }

        return Check(amounts, option)!;
    }
}
