namespace JobQueue.JobScripts;

/// <summary>Checks of single settings, with messages that name the setting and show an accepted value.</summary>
internal static class OptionChecks
{
    public const string DefaultName = "jobqueue-worker";

    public static string ClusterName(string? name, string optionsType)
    {
        if (name is null)
        {
            return DefaultName;
        }

        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException(
                $"{optionsType}.Name = \"{name}\" must be a non-empty name without spaces, e.g. Name = \"chem\".", nameof(ClusterOptions.Name));
        }

        return name;
    }

    /// <summary>Null stays null (unset); anything else must be above zero.</summary>
    public static int? Positive(int? value, string optionsType, string option, string example) =>
        value is null or > 0
            ? value
            : throw new ArgumentException($"{optionsType}.{option} = {value} must be a whole number greater than 0, e.g. {example}.", option);

    /// <summary>The property name in a qualified option name: <c>Memory</c> for <c>SlurmOptions.Memory</c>.</summary>
    public static string ParameterName(string qualifiedOption) => qualifiedOption[(qualifiedOption.LastIndexOf('.') + 1)..];
}
