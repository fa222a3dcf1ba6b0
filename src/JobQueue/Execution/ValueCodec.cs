using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace JobQueue.Execution;

/// <summary>
/// Encodes arguments, results and captured values of ordinary data types (primitives, strings, arrays, lists,
/// dictionaries, records and POCOs, enums, tuples) as JSON for one declared type. Only the declared type is ever
/// created on reading: no type name travels on the wire.
/// </summary>
internal static class ValueCodec
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        // Closures and tuples keep their state in fields.
        IncludeFields = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static byte[] Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>.Value);

    public static T Decode<T>(ReadOnlySpan<byte> bytes) => JsonSerializer.Deserialize(bytes, TypeInfo<T>.Value)!;

    public static byte[] Encode(object value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, Options);

    public static object? Decode(ReadOnlySpan<byte> bytes, Type type) => JsonSerializer.Deserialize(bytes, type, Options);

    private static class TypeInfo<T>
    {
        public static readonly JsonTypeInfo<T> Value = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }
}
