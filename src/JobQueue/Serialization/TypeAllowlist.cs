using System.Reflection;
using System.Runtime.CompilerServices;

namespace JobQueue.Serialization;

/// <summary>
/// The types values may have: the framework's data types (numbers, strings, dates, arrays, lists, dictionaries,
/// sets, tuples, enums) and the records, classes and structs of a set of user assemblies. Bytes that name any other
/// type are refused before anything is created.
/// </summary>
internal sealed class TypeAllowlist
{
    private const byte Allowed = 1;
    private const byte Refused = 2;

    private static readonly ConditionalWeakTable<Assembly, Dictionary<string, Type>> TypesByName = [];

    private readonly Func<Assembly, string?> _assemblyRefusal;
    private readonly Func<string, IEnumerable<Assembly>> _assembliesNamed;
    private readonly Lock _gate = new();
    private byte[] _verdicts = new byte[256];

    private TypeAllowlist(Func<Assembly, string?> assemblyRefusal, Func<string, IEnumerable<Assembly>> assembliesNamed)
    {
        _assemblyRefusal = assemblyRefusal;
        _assembliesNamed = assembliesNamed;
    }

    /// <summary>
    /// What a client sends and reads back: types of any assembly that is neither the framework, nor dynamic (the
    /// workers could not load it), nor JobQueue itself (the cluster and futures stay in the client).
    /// </summary>
    public static TypeAllowlist Client { get; } = new(
        assembly => assembly.IsDynamic ? $"its assembly {assembly.GetName().Name} is dynamic (Reflection.Emit), and workers load only compiled assemblies" : null,
        name => AppDomain.CurrentDomain.GetAssemblies().Where(assembly => assembly.GetName().Name == name && IsUserAssembly(assembly)));

    /// <summary>The framework's data types and the types of <paramref name="assemblies"/> (framework ones and JobQueue's are ignored).</summary>
    public static TypeAllowlist For(IEnumerable<Assembly> assemblies)
    {
        var byName = new Dictionary<string, Assembly>();
        foreach (var assembly in assemblies.Where(IsUserAssembly))
        {
            byName.TryAdd(assembly.GetName().Name!, assembly);
        }

        return new(
            assembly => byName.GetValueOrDefault(assembly.GetName().Name!) == assembly ? null : $"its assembly {assembly.GetName().Name} is not among the assemblies allowed here",
            name => byName.TryGetValue(name, out var assembly) ? [assembly] : []);
    }

    /// <summary>Whether values of <paramref name="type"/> may be written and read.</summary>
    public bool Allows(Type type) => Refusal(type) is null;

    /// <summary>Why <paramref name="type"/> is refused, or null when it is allowed.</summary>
    internal string? Refusal(Type type)
    {
        if (Codecs.For(type).NotData is { } notData)
        {
            return notData;
        }

        if (type.IsArray)
        {
            return Refusal(type.GetElementType()!);
        }

        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            if (Refusal(argument) is { } refusal)
            {
                return refusal;
            }
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (!FrameworkAssemblies.IsPlatform(current.Assembly) && _assemblyRefusal(current.Assembly) is { } refusal)
            {
                return $"{TypeNames.Display(current)} cannot be sent: {refusal}";
            }
        }

        return null;
    }

    /// <summary>The verdict for a user type's codec, cached by the codec's number so that checking a value costs an array read.</summary>
    internal string? Refusal(Codec codec)
    {
        var verdicts = _verdicts;
        if (codec.Id < verdicts.Length && verdicts[codec.Id] == Allowed)
        {
            return null;
        }

        var refusal = Refusal(codec.Type);
        lock (_gate)
        {
            if (codec.Id >= _verdicts.Length)
            {
                Array.Resize(ref _verdicts, Math.Max(codec.Id + 1, _verdicts.Length * 2));
            }

            _verdicts[codec.Id] = refusal is null ? Allowed : Refused;
        }

        return refusal;
    }

    /// <summary>A type definition by its assembly's simple name and its full name, only from the allowed assemblies.</summary>
    internal Type? FindUserType(string assemblyName, string fullName) =>
        _assembliesNamed(assemblyName)
            .Select(assembly => TypesByName.GetValue(assembly, IndexTypes).GetValueOrDefault(fullName))
            .FirstOrDefault(type => type is not null);

    private static bool IsUserAssembly(Assembly assembly) =>
        !FrameworkAssemblies.IsPlatform(assembly) && assembly != typeof(TypeAllowlist).Assembly;

    // Names are matched against the assembly's own types rather than parsed by Type.GetType, which would accept
    // generic and assembly-qualified names and load other assemblies.
    private static Dictionary<string, Type> IndexTypes(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            types = exception.Types;
        }

        var index = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (type?.FullName is { } name)
            {
                index.TryAdd(name, type);
            }
        }

        return index;
    }
}
