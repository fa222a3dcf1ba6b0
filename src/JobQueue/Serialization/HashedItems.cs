using System.Collections.Concurrent;
using System.Reflection;

namespace JobQueue.Serialization;

/// <summary>
/// Reading the items of hash collections, which run the items' own GetHashCode and Equals: user code, on objects the
/// sender chose. An item that reaches a cycle of objects hashing by value would make that code recurse until the
/// process dies of a stack overflow, so it is refused before it is hashed; and whatever that code throws becomes
/// bad data, like any other decoding failure.
/// </summary>
internal static class HashedItems
{
    private static readonly ConcurrentDictionary<Type, bool> HashesByValue = new();

    /// <summary>Whether instances of <paramref name="type"/> hash by their content rather than their identity.</summary>
    public static bool ByValue(Type type) => HashesByValue.GetOrAdd(
        type, static type => type.GetMethod(nameof(GetHashCode), BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)!.DeclaringType != typeof(object));

    /// <summary>Reads an item or key of <paramref name="collection"/>, refusing one that reaches a cycle of value-hashed objects.</summary>
    /// <exception cref="InvalidDataException">The item reaches such a cycle.</exception>
    public static T Read<T>(ref WireReader reader, Codec<T> codec, Type collection)
    {
        var cycles = reader.HashCycles;
        var item = codec.ReadSlot(ref reader);
        return reader.HashCycles == cycles ? item : throw WireReader.Invalid(
            $"an item of a {TypeNames.Display(collection)} reaches a cycle of objects that hash by value (records, types overriding GetHashCode), so hashing it would never end");
    }

    /// <summary>What a user's GetHashCode or Equals threw while an item was added, as bad data.</summary>
    public static InvalidDataException Failed(Type collection, Exception exception) => WireReader.Invalid(
        $"adding an item to a {TypeNames.Display(collection)} ran its GetHashCode or Equals, which threw {exception.GetType().Name}: {exception.Message}");
}
