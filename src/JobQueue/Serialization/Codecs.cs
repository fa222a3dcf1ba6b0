using System.Runtime.CompilerServices;

namespace JobQueue.Serialization;

/// <summary>
/// The codec of each type, built once and cached. The cache holds types weakly, so code loaded into a collectible
/// context can still unload.
/// </summary>
internal static class Codecs
{
    private static readonly ConditionalWeakTable<Type, Codec> Cache = [];

    private static readonly Dictionary<Type, Codec> Scalars = ScalarCodecs.All.ToDictionary(codec => codec.Type);

    private static readonly Dictionary<Type, Type> Collections = new()
    {
        [typeof(Nullable<>)] = typeof(NullableCodec<>),
        [typeof(List<>)] = typeof(ListCodec<>),
        [typeof(Dictionary<,>)] = typeof(DictionaryCodec<,>),
        [typeof(HashSet<>)] = typeof(HashSetCodec<>),
        [typeof(Queue<>)] = typeof(QueueCodec<>),
        [typeof(Stack<>)] = typeof(StackCodec<>),
        [typeof(KeyValuePair<,>)] = typeof(KeyValuePairCodec<,>),
    };

    public static Codec For(Type type) => Cache.TryGetValue(type, out var codec) ? codec : Cache.GetValue(type, Create);

    private static Codec Create(Type type)
    {
        if (TypeRules.Refusal(type) is { } refusal)
        {
            return Refused(type, refusal);
        }

        if (Scalars.TryGetValue(type, out var scalar))
        {
            return scalar;
        }

        if (type.IsEnum)
        {
            return Make(typeof(EnumCodec<,>), type, Enum.GetUnderlyingType(type));
        }

        if (type.IsArray)
        {
            return type.IsSZArray
                ? Make(typeof(ArrayCodec<>), type.GetElementType()!)
                : Refused(type, $"{TypeNames.Display(type)} is a multi-dimensional array and cannot be sent to a worker; use a jagged array (T[][]) instead");
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition && TypeReferences.IsKnownGeneric(definition))
        {
            return Collections.TryGetValue(definition, out var collection) ? Make(collection, type.GetGenericArguments())
                : type.IsValueType ? Make(typeof(StructCodec<>), type)
                : Make(typeof(TupleCodec<>), type);
        }

        if (type.IsInterface || type.IsAbstract)
        {
            return Make(typeof(PolymorphicCodec<>), type);
        }

        if (FrameworkAssemblies.IsPlatform(type.Assembly))
        {
            return Refused(type, TypeRules.NotData(type));
        }

        return UserTypeProblem(type) is { } problem ? Refused(type, problem)
            : Make(type.IsValueType ? typeof(StructCodec<>) : typeof(ObjectCodec<>), type);
    }

    // A user type travels as its fields, so every field must be of a type that can hold data and every base class
    // must be the user's too: a framework base class keeps private state the codec does not know.
    private static string? UserTypeProblem(Type type)
    {
        for (var basis = type.BaseType; basis is not null && basis != typeof(object) && basis != typeof(ValueType); basis = basis.BaseType)
        {
            if (TypeRules.Refusal(basis) is { } refusal)
            {
                return refusal;
            }

            if (FrameworkAssemblies.IsPlatform(basis.Assembly))
            {
                return $"{TypeNames.Display(type)} derives from {TypeNames.Display(basis)}, a framework type whose state is not plain data, so it cannot be sent to a worker; hold the data in a field instead";
            }
        }

        return FieldAccessors.InstanceFields(type).FirstOrDefault(field => field.FieldType.IsPointer || field.FieldType.IsFunctionPointer) is { } pointer
            ? $"{TypeNames.Display(type)} has the pointer field {pointer.Name}, so it cannot be sent to a worker"
            : null;
    }

    private static Codec Make(Type generic, params Type[] arguments) => (Codec)Activator.CreateInstance(generic.MakeGenericType(arguments))!;

    // A type that cannot be a generic argument (a pointer) gets a codec typed as object; it is never used in a typed slot.
    private static Codec Refused(Type type, string reason) =>
        (Codec)Activator.CreateInstance(typeof(RefusedCodec<>).MakeGenericType(CanBeTypeArgument(type) ? type : typeof(object)), type, reason)!;

    private static bool CanBeTypeArgument(Type type) =>
        !(type.IsPointer || type.IsFunctionPointer || type.IsByRef || type.IsByRefLike || type.ContainsGenericParameters || type == typeof(void));
}

/// <summary>The codec of a type known at compile time, without a cache lookup.</summary>
internal static class CodecOf<T>
{
    public static readonly Codec<T> Instance = (Codec<T>)Codecs.For(typeof(T));
}
