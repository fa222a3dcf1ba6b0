using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace JobQueue.Configuration;

/// <summary>
/// Settings from the configuration file and the environment, as dask's <c>jobqueue.yaml</c>: a <c>jobqueue:</c> mapping
/// with one section per batch system (<c>slurm</c>, <c>sge</c>, <c>pbs</c>) or named sections picked by
/// <see cref="JobQueueOptions.ConfigName"/>, keys in kebab case (<c>job-extra-directives</c>). An environment variable
/// <c>JOBQUEUE__SLURM__QUEUE</c> overrides the file; an option set in code overrides both. Microsoft.Extensions.Configuration
/// reads the file (NetEscapades' YAML provider) and the variables; the precedence is applied here, one whole setting at
/// a time, because a list from the environment must replace the file's list rather than overwrite some of its items.
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
        var named = Environment.GetEnvironmentVariable(PathVariable);
        var path = named is { Length: > 0 }
            ? named
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "jobqueue", "jobqueue.yaml");
        return Load(File.Exists(path) || named is not null ? path : null, new ConfigurationBuilder().AddEnvironmentVariables(VariablePrefix).Build());
    }

    /// <summary>The file at <paramref name="path"/> (none when null) and the <c>JOBQUEUE__</c> entries of <paramref name="environment"/>.</summary>
    /// <exception cref="ArgumentException">The file is missing, is not YAML, or is not shaped as a <c>jobqueue:</c> mapping of sections.</exception>
    public static JobQueueConfig Load(string? path, IReadOnlyDictionary<string, string> environment)
    {
        // The same keys as the environment-variables provider makes: prefix removed, "__" standing for ':'.
        var variables = environment
            .Where(variable => variable.Key.StartsWith(VariablePrefix, StringComparison.OrdinalIgnoreCase))
            .Select(variable => KeyValuePair.Create(variable.Key[VariablePrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)variable.Value));
        return Load(path, new ConfigurationBuilder().AddInMemoryCollection(variables).Build());
    }

    private static JobQueueConfig Load(string? path, IConfiguration environment)
    {
        var sections = new Dictionary<string, Dictionary<string, ConfigValue>>();
        if (path is not null)
        {
            ReadFile(path, sections);
        }

        foreach (var section in environment.GetChildren())
        {
            var keys = section.GetChildren().ToList();
            if (keys.Count == 0 || section.Key.Length == 0)
            {
                throw MalformedVariable(section);
            }

            foreach (var key in keys)
            {
                var children = key.GetChildren().ToList();
                if (key.Key.Length == 0 || (children.Count > 0 && !ConfigValue.IsList(children)))
                {
                    throw MalformedVariable(children.FirstOrDefault() ?? key);
                }

                var variable = VariableName(key);
                Section(sections, ConfigNames.Normalize(section.Key))[ConfigNames.Normalize(key.Key)] = new ConfigValue(ParseVariable(key, variable), $"environment variable {variable}");
            }
        }

        return new JobQueueConfig(sections, path is null ? "no configuration file" : $"configuration file {path}");
    }

    /// <summary>
    /// A copy of <paramref name="options"/> whose settings left unset (or at the default of the options record) are
    /// filled from section <see cref="JobQueueOptions.ConfigName"/>, else <paramref name="defaultSection"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The named section is missing, a key is unknown, or a value has the wrong type.</exception>
    public JobQueueOptions Apply(JobQueueOptions options, string defaultSection)
    {
        var sectionName = options.ConfigName ?? defaultSection;
        var section = _sections.GetValueOrDefault(ConfigNames.Normalize(sectionName));
        if (section is null && options.ConfigName is not null)
        {
            throw new ArgumentException(
                $"{options.GetType().Name}.ConfigName = \"{options.ConfigName}\" names no section of the {_description}; sections there: {ConfigNames.Listing(_sections.Keys)}.",
                nameof(options.ConfigName));
        }

        // Every configured value is converted, even one the code overrides, so a broken file never goes unnoticed.
        var properties = SettableProperties(options.GetType());
        var configured = new Dictionary<string, object?>();
        foreach (var (key, value) in section ?? [])
        {
            configured[key] = properties.TryGetValue(key, out var property)
                ? value.ConvertTo(property.PropertyType, key)
                : throw new ArgumentException(
                    $"Unknown key \"{key}\" in section {sectionName} ({value.Origin}). Accepted keys: {ConfigNames.Listing(properties.Keys)}.", key);
        }

        // A record's own default (DashboardAddress = "127.0.0.1:8787") counts as unset, or the file could never change it.
        var defaults = Activator.CreateInstance(options.GetType())!;
        var merged = (JobQueueOptions)Activator.CreateInstance(options.GetType())!;
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite))
        {
            var inCode = property.GetValue(options);
            var fromConfig = configured.GetValueOrDefault(ConfigNames.KebabCase(property.Name));
            var codeIsDefault = inCode is null || Equals(inCode, property.GetValue(defaults));
            property.SetValue(merged, codeIsDefault && fromConfig is not null ? fromConfig : inCode);
        }

        return merged;
    }

    /// <summary>The kebab-case key of every setting a section may hold for options of <paramref name="type"/>.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanWrite && property.Name != nameof(JobQueueOptions.ConfigName) && IsConfigurable(property.PropertyType))
            .ToDictionary(property => ConfigNames.KebabCase(property.Name));

    // Settings a file can hold; objects such as a logger factory are set in code only.
    private static bool IsConfigurable(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var target
        && (target == typeof(string) || target == typeof(int) || target == typeof(bool) || target == typeof(TimeSpan) || target.IsEnum || target == typeof(IReadOnlyList<string>));

    private static void ReadFile(string path, Dictionary<string, Dictionary<string, ConfigValue>> sections)
    {
        IConfigurationRoot file;
        try
        {
            file = new ConfigurationBuilder().AddYamlFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            // The file provider wraps the YAML parser's error, which says what is wrong and where.
            var reason = exception is InvalidDataException { InnerException: { } inner } ? inner.Message : exception.Message;
            throw new ArgumentException($"The configuration file {path} cannot be read: {reason}", PathVariable, exception);
        }

        var root = file.GetChildren().ToList();
        if (root.Count == 0)
        {
            return;
        }

        if (root is not [{ Key: "jobqueue" } jobqueue])
        {
            throw new ArgumentException($"The configuration file {path} must hold one mapping named jobqueue, e.g.\njobqueue:\n  slurm:\n    cores: 8\n    memory: 24GB", PathVariable);
        }

        foreach (var section in MappingChildren(jobqueue, path, "jobqueue"))
        {
            var name = ConfigNames.Normalize(section.Key);
            foreach (var key in MappingChildren(section, path, $"jobqueue.{name}"))
            {
                Section(sections, name)[ConfigNames.Normalize(key.Key)] = new ConfigValue(key, $"{path}, key {name}.{key.Key}");
            }
        }
    }

    // An empty mapping ("slurm:" with nothing under it) holds no keys; a list or a single value is not a mapping.
    private static List<IConfigurationSection> MappingChildren(IConfigurationSection node, string path, string key)
    {
        var children = node.GetChildren().ToList();
        return (children.Count == 0 && node.Value is null or "") || (children.Count > 0 && !ConfigValue.IsList(children))
            ? children
            : throw new ArgumentException($"In the configuration file {path}, {key} must be a mapping of keys to values.", PathVariable);
    }

    private static Dictionary<string, ConfigValue> Section(Dictionary<string, Dictionary<string, ConfigValue>> sections, string name) =>
        sections.TryGetValue(name, out var section) ? section : sections[name] = [];

    // A variable may hold a YAML list, JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES="[--exclusive, --gres=gpu:1]", as dask's
    // DASK_ variables do; numbered variables (…__JOB_EXTRA_DIRECTIVES__0) are the configuration library's own form.
    private static IConfigurationSection ParseVariable(IConfigurationSection key, string variable)
    {
        if (key.Value?.TrimStart().StartsWith('[') != true)
        {
            return key;
        }

        try
        {
            var yaml = new MemoryStream(Encoding.UTF8.GetBytes($"value: {key.Value}"));
            return new ConfigurationBuilder().AddYamlStream(yaml).Build().GetSection("value");
        }
        catch (FormatException exception)
        {
            throw new ArgumentException($"Environment variable {variable} = \"{key.Value}\" is not a YAML value: {exception.Message}", variable, exception);
        }
    }

    private static string VariableName(IConfigurationSection node) => VariablePrefix + node.Path.Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);

    private static ArgumentException MalformedVariable(IConfigurationSection node)
    {
        var variable = VariableName(node);
        return new ArgumentException($"Environment variable {variable} should be named JOBQUEUE__<SECTION>__<KEY>, e.g. JOBQUEUE__SLURM__QUEUE.", variable);
    }
}
