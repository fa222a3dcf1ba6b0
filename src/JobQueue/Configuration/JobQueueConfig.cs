using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace JobQueue.Configuration;

/// <summary>
/// Settings from the configuration file and the environment, as dask's <c>jobqueue.yaml</c>: a <c>jobqueue:</c> mapping
/// with one section per batch system (<c>slurm</c>, <c>sge</c>, <c>pbs</c>) or named sections picked by
/// <see cref="JobQueueOptions.ConfigName"/>, keys in kebab case (<c>job-extra-directives</c>). An environment variable
/// <c>JOBQUEUE__SLURM__QUEUE</c> overrides the file; an option set in code overrides both.
/// </summary>
internal sealed class JobQueueConfig
{
    public const string PathVariable = "JOBQUEUE_CONFIG";
    private const string VariablePrefix = "JOBQUEUE__";

    private readonly Dictionary<string, Dictionary<string, ConfigValue>> _sections;
    private readonly string _description;

    private JobQueueConfig(Dictionary<string, Dictionary<string, ConfigValue>> sections, string description)
    {
        _sections = sections;
        _description = description;
    }

    public static JobQueueConfig Empty { get; } = new([], "no configuration file");

    /// <summary>The file named by <c>$JOBQUEUE_CONFIG</c>, else <c>~/.config/jobqueue/jobqueue.yaml</c> when it exists, and the environment.</summary>
    public static JobQueueConfig FromEnvironment()
    {
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(entry => (string)entry.Key, entry => (string?)entry.Value ?? "");
        var path = environment.GetValueOrDefault(PathVariable) is { Length: > 0 } named
            ? named
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "jobqueue", "jobqueue.yaml");
        return Load(File.Exists(path) || environment.ContainsKey(PathVariable) ? path : null, environment);
    }

    /// <exception cref="ArgumentException">The file is missing, is not YAML, or is not shaped as a <c>jobqueue:</c> mapping of sections.</exception>
    public static JobQueueConfig Load(string? path, IReadOnlyDictionary<string, string> environment)
    {
        var sections = new Dictionary<string, Dictionary<string, ConfigValue>>();
        if (path is not null)
        {
            ReadFile(path, sections);
        }

        foreach (var (variable, text) in environment)
        {
            if (!variable.StartsWith(VariablePrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parts = variable[VariablePrefix.Length..].Split("__");
            if (parts.Length != 2 || parts.Any(part => part.Length == 0))
            {
                throw new ArgumentException($"Environment variable {variable} should be named JOBQUEUE__<SECTION>__<KEY>, e.g. JOBQUEUE__SLURM__QUEUE.", variable);
            }

            Section(sections, Normalize(parts[0]))[Normalize(parts[1])] = new ConfigValue(ParseYamlValue(text, variable), $"environment variable {variable}");
        }

        return new JobQueueConfig(sections, path is null ? "no configuration file" : $"configuration file {path}");
    }

    /// <summary>
    /// A copy of <paramref name="options"/> whose unset settings are filled from section <see cref="JobQueueOptions.ConfigName"/>,
    /// else <paramref name="defaultSection"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The named section is missing, a key is unknown, or a value has the wrong type.</exception>
    public JobQueueOptions Apply(JobQueueOptions options, string defaultSection)
    {
        var sectionName = options.ConfigName ?? defaultSection;
        var section = _sections.GetValueOrDefault(Normalize(sectionName));
        if (section is null && options.ConfigName is not null)
        {
            throw new ArgumentException(
                $"{options.GetType().Name}.ConfigName = \"{options.ConfigName}\" names no section of the {_description}; sections there: {Listing(_sections.Keys)}.",
                nameof(options.ConfigName));
        }

        // Every configured value is converted, even one the code overrides, so a broken file never goes unnoticed.
        var properties = SettableProperties(options.GetType());
        var configured = new Dictionary<string, object?>();
        foreach (var (key, value) in section ?? [])
        {
            configured[key] = properties.TryGetValue(key, out var property)
                ? Convert(value, property.PropertyType, key)
                : throw new ArgumentException(
                    $"Unknown key \"{key}\" in section {sectionName} ({value.Origin}). Accepted keys: {Listing(properties.Keys)}.", key);
        }

        var merged = (JobQueueOptions)Activator.CreateInstance(options.GetType())!;
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite))
        {
            property.SetValue(merged, property.GetValue(options) ?? configured.GetValueOrDefault(KebabCase(property.Name)));
        }

        return merged;
    }

    /// <summary>The kebab-case key of every setting a section may hold for options of <paramref name="type"/>.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanWrite && property.Name != nameof(JobQueueOptions.ConfigName) && IsConfigurable(property.PropertyType))
            .ToDictionary(property => KebabCase(property.Name));

    // Settings a file can hold; objects such as a logger factory are set in code only.
    private static bool IsConfigurable(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var target
        && (target == typeof(string) || target == typeof(int) || target == typeof(bool) || target == typeof(TimeSpan) || target.IsEnum || target == typeof(IReadOnlyList<string>));

    private static void ReadFile(string path, Dictionary<string, Dictionary<string, ConfigValue>> sections)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or YamlException)
        {
            throw new ArgumentException($"The configuration file {path} cannot be read: {exception.Message}", PathVariable, exception);
        }

        if (stream.Documents.Count == 0)
        {
            return;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root
            || root.Children.Count != 1
            || root.Children.First() is not ({ } rootKey, var jobqueue)
            || rootKey.ToString() != "jobqueue")
        {
            throw new ArgumentException($"The configuration file {path} must hold one mapping named jobqueue, e.g.\njobqueue:\n  slurm:\n    cores: 8\n    memory: 24GB", PathVariable);
        }

        if (jobqueue is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        foreach (var (sectionKey, sectionNode) in jobqueue is YamlMappingNode mapping ? mapping.Children : throw NotMapping(path, "jobqueue"))
        {
            var name = Normalize(sectionKey.ToString());
            if (sectionNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            foreach (var (key, value) in sectionNode is YamlMappingNode settings ? settings.Children : throw NotMapping(path, $"jobqueue.{name}"))
            {
                Section(sections, name)[Normalize(key.ToString())] = new ConfigValue(value, $"{path}, key {name}.{key}");
            }
        }
    }

    private static ArgumentException NotMapping(string path, string key) =>
        new($"In the configuration file {path}, {key} must be a mapping of keys to values.", PathVariable);

    private static Dictionary<string, ConfigValue> Section(Dictionary<string, Dictionary<string, ConfigValue>> sections, string name) =>
        sections.TryGetValue(name, out var section) ? section : sections[name] = [];

    private static YamlNode ParseYamlValue(string text, string variable)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            throw new ArgumentException($"Environment variable {variable} = \"{text}\" is not a YAML value: {exception.Message}", variable, exception);
        }

        return stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
    }

    private static object? Convert(ConfigValue configured, Type type, string key)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var node = configured.Node;
        if (node is YamlScalarNode { Value: null or "" or "null" or "~" })
        {
            return null;
        }

        if (target == typeof(IReadOnlyList<string>))
        {
            return node switch
            {
                YamlSequenceNode sequence when sequence.Children.All(item => item is YamlScalarNode) =>
                    sequence.Children.Select(item => ((YamlScalarNode)item).Value ?? "").ToArray(),
                YamlScalarNode scalar => new[] { scalar.Value! },
                _ => throw WrongType(configured, key, "a list of strings", $"{key}: [\"--exclusive\"]"),
            };
        }

        var text = node is YamlScalarNode { Value: { } value } ? value : throw WrongType(configured, key, "a single value", $"{key}: value");
        if (target == typeof(string))
        {
            return text;
        }

        if (target == typeof(int))
        {
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw WrongType(configured, key, "a whole number", $"{key}: 8");
        }

        if (target == typeof(bool))
        {
            return text.ToLowerInvariant() switch
            {
                "true" or "yes" => true,
                "false" or "no" => false,
                _ => throw WrongType(configured, key, "true or false", $"{key}: true"),
            };
        }

        if (target == typeof(TimeSpan))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span
                : throw WrongType(configured, key, "seconds or hh:mm:ss", $"{key}: 60");
        }

        if (target.IsEnum)
        {
            var names = Enum.GetNames(target);
            return names.FirstOrDefault(name => Normalize(name) == Normalize(text).Replace("-", "", StringComparison.Ordinal)) is { } found
                ? Enum.Parse(target, found)
                : throw WrongType(configured, key, $"one of {Listing(names.Select(KebabCase))}", $"{key}: {KebabCase(names[0])}");
        }

        throw new NotSupportedException($"Options of type {type} cannot come from the configuration file.");
    }

    private static ArgumentException WrongType(ConfigValue configured, string key, string expected, string example) =>
        new($"{configured.Origin}: expected {expected}, e.g. {example}; got {configured.Node}.", key);

    // Section and key names compare case-insensitively, with '_' (environment variables) standing for '-'.
    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('_', '-');

    private static string KebabCase(string name)
    {
        var kebab = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                kebab.Append('-');
            }

            kebab.Append(char.ToLowerInvariant(name[i]));
        }

        return kebab.ToString();
    }

    private static string Listing(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order()) : "(none)";

    private sealed record ConfigValue(YamlNode Node, string Origin);
}
