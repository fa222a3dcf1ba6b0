using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Serialization;

namespace JobQueue.Shipping;

/// <summary>
/// Moves large captured values and <see cref="Scattered{T}"/> handles out of a closure before it is encoded: they
/// travel as shipped files, which a worker fetches once and shares between every function that captured them,
/// rather than inside each definition. Objects on the way to a moved value are copied, never changed.
/// </summary>
internal static class CapturedValues
{
    /// <summary>Encoded size from which a captured value travels on its own.</summary>
    public const int SeparateFrom = 64 * 1024;

    private static readonly Dictionary<(ByteString, Type), WeakReference<object>> Loaded = [];
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();

    private static readonly Func<object, object> ShallowCopy =
        typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!.CreateDelegate<Func<object, object>>();

    /// <summary>The closure to encode, with the values that travel separately set to null and listed in <paramref name="separate"/>.</summary>
    /// <remarks>The third argument of <paramref name="encode"/> names the value for error messages, from <paramref name="root"/>.</remarks>
    public static object Separate(object closure, string root, Func<object, Type, string, byte[]> encode, ICollection<ExternalValue> separate) =>
        Separate(closure, [root], encode, separate, new HashSet<object>(ReferenceEqualityComparer.Instance) { closure });

    /// <summary>Puts the separate values back into a closure decoded on a worker.</summary>
    public static void Restore(object closure, IEnumerable<ExternalValue> separate, Func<ExternalValue, Type, object?> load)
    {
        foreach (var value in separate)
        {
            var owner = closure;
            foreach (var name in value.FieldPath.SkipLast(1))
            {
                owner = FieldOf(owner.GetType(), name).GetValue(owner)
                    ?? throw new InvalidDataException($"The closure has no object at {string.Join(".", value.FieldPath)}.");
            }

            var field = FieldOf(owner.GetType(), value.FieldPath[^1]);
            field.SetValue(owner, load(value, field.FieldType));
        }
    }

    /// <summary>
    /// A separate value on a worker, decoded from the node's cache once and then shared, as the functions that
    /// captured it shared one object in the caller's process.
    /// </summary>
    public static object? Load(ExternalValue value, Type fieldType, FileCache cache, Func<byte[], Type, object?> decode)
    {
        var key = (value.Content.Sha256, fieldType);
        lock (Loaded)
        {
            if (Loaded.TryGetValue(key, out var known) && known.TryGetTarget(out var shared))
            {
                return shared;
            }
        }

        var bytes = cache.ReadVerified(value.Content);
        var loaded = value.Scattered
            ? Activator.CreateInstance(fieldType, BindingFlags.Instance | BindingFlags.NonPublic, null, [decode(bytes, fieldType.GetGenericArguments()[0]), value.Content], null)
            : decode(bytes, fieldType);
        lock (Loaded)
        {
            Loaded[key] = new WeakReference<object>(loaded!);
        }

        return loaded;
    }

    private static object Separate(object node, List<string> path, Func<object, Type, string, byte[]> encode, ICollection<ExternalValue> separate, HashSet<object> visited)
    {
        var result = node;
        foreach (var field in InstanceFields(node.GetType()))
        {
            if (field.FieldType.IsValueType || field.GetValue(node) is not { } value)
            {
                continue;
            }

            var fieldPath = new List<string>(path) { field.Name };
            object? replacement;
            if (value is IScattered scattered)
            {
                separate.Add(new ExternalValue { FieldPath = { fieldPath.Skip(1) }, Content = scattered.Content, Scattered = true });
                replacement = null;
            }
            else if (IsUserObject(value.GetType()))
            {
                replacement = visited.Add(value) ? Separate(value, fieldPath, encode, separate, visited) : value;
            }
            else if (MayBeLarge(value) && encode(value, field.FieldType, string.Join(".", fieldPath)) is { Length: >= SeparateFrom } encoded)
            {
                separate.Add(new ExternalValue { FieldPath = { fieldPath.Skip(1) }, Content = ShippedFiles.AddContent(string.Join(".", fieldPath), encoded) });
                replacement = null;
            }
            else
            {
                continue;
            }

            if (!ReferenceEquals(replacement, value))
            {
                if (ReferenceEquals(result, node))
                {
                    result = ShallowCopy(node);
                }

                field.SetValue(result, replacement);
            }
        }

        return result;
    }

    // Encoding every captured value just to learn its size would double the cost of small closures.
    private static bool MayBeLarge(object value) => value switch
    {
        string text => text.Length >= SeparateFrom / 4,
        Array array => array.Length >= SeparateFrom / 16,
        ICollection collection => collection.Count >= SeparateFrom / 64,
        _ => false,
    };

    // Closures and the user's own classes are walked into; everything else is a value.
    private static bool IsUserObject(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && !typeof(IEnumerable).IsAssignableFrom(type)
        && (type.IsDefined(typeof(CompilerGeneratedAttribute)) || !FrameworkAssemblies.IsPlatform(type.Assembly)) && type.Assembly != typeof(CapturedValues).Assembly;

    private static FieldInfo[] InstanceFields(Type type) => Fields.GetOrAdd(type, static type =>
    {
        var fields = new List<FieldInfo>();
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            fields.AddRange(current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        }

        return [.. fields];
    });

    private static FieldInfo FieldOf(Type type, string name) =>
        InstanceFields(type).FirstOrDefault(field => field.Name == name)
        ?? throw new InvalidDataException($"{type.Name} has no field {name}.");
}
