using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace JobQueue.Configuration;

/// <summary>
/// One configured setting: its node in the configuration tree (a value, or numbered children for a list) and where it
/// came from, for error messages such as <c>/home/me/jobqueue.yaml, key slurm.cores</c>.
/// </summary>
internal sealed record ConfigValue(IConfigurationSection Node, string Origin)
{
    /// <summary>The value converted to <paramref name="type"/>; null when it is empty or YAML's null.</summary>
    /// <exception cref="ArgumentException">The value does not fit <paramref name="type"/>; the message names the origin and an accepted value.</exception>
    public object? ConvertTo(Type type, string key)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var children = Node.GetChildren().ToList();
        if (children.Count == 0 && Node.Value is null or "" or "null" or "~")
        {
            return null;
        }

        if (target == typeof(IReadOnlyList<string>))
        {
            return children.Count == 0 ? new[] { Node.Value! }
                : IsList(children) ? children.OrderBy(child => int.Parse(child.Key, CultureInfo.InvariantCulture)).Select(child => child.Value ?? "").ToArray()
                : throw WrongType(key, "a list of strings", $"{key}: [\"--exclusive\"]");
        }

        var text = children.Count == 0 ? Node.Value! : throw WrongType(key, "a single value", $"{key}: value");
        if (target == typeof(string))
        {
            return text;
        }

        if (target == typeof(int))
        {
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw WrongType(key, "a whole number", $"{key}: 8");
        }

        if (target == typeof(bool))
        {
            return text.ToLowerInvariant() switch
            {
                "true" or "yes" => true,
                "false" or "no" => false,
                _ => throw WrongType(key, "true or false", $"{key}: true"),
            };
        }

        if (target == typeof(TimeSpan))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span
                : throw WrongType(key, "seconds or hh:mm:ss", $"{key}: 60");
        }

        if (target.IsEnum)
        {
            var names = Enum.GetNames(target);
            return names.FirstOrDefault(name => ConfigNames.Normalize(name) == ConfigNames.Normalize(text).Replace("-", "", StringComparison.Ordinal)) is { } found
                ? Enum.Parse(target, found)
                : throw WrongType(key, $"one of {ConfigNames.Listing(names.Select(ConfigNames.KebabCase))}", $"{key}: {ConfigNames.KebabCase(names[0])}");
        }

        throw new NotSupportedException($"Options of type {type} cannot come from the configuration file.");
    }

    /// <summary>A YAML sequence arrives as children numbered 0, 1, 2…; a mapping as named children.</summary>
    public static bool IsList(IReadOnlyCollection<IConfigurationSection> children) =>
        children.Count > 0 && children.All(child => int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _));

    private ArgumentException WrongType(string key, string expected, string example) =>
        new($"{Origin}: expected {expected}, e.g. {example}; got {Describe(Node)}.", key);

    // The value as the user wrote it, near enough: a scalar as is, a list or mapping in YAML's flow style.
    private static string Describe(IConfigurationSection node)
    {
        var children = node.GetChildren().ToList();
        if (children.Count == 0)
        {
            return node.Value ?? "null";
        }

        var text = new StringBuilder(IsList(children) ? "[" : "{");
        text.AppendJoin(", ", children.Select(child => IsList(children) ? Describe(child) : $"{child.Key}: {Describe(child)}"));
        return text.Append(IsList(children) ? ']' : '}').ToString();
    }
}
