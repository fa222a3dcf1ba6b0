using System.Collections;
using System.Reflection;

namespace JobQueue.Serialization;

/// <summary>
/// Why a type that is not data cannot be sent, with what to do instead, for the common kinds of captures that
/// cannot travel (tasks, lazy queries, resources, delegates, the cluster itself).
/// </summary>
internal static class TypeRules
{
    private const string CreateInside = "create it inside the function instead of capturing it";

    // Matched by name so that optional libraries (logging, data access) need not be referenced here.
    private static readonly (string FullName, string Hint)[] ResourcesByName =
    [
        ("Microsoft.Extensions.Logging.ILogger", CreateInside),
        ("Microsoft.Extensions.Logging.ILoggerFactory", CreateInside),
        ("Microsoft.Extensions.Logging.ILoggerProvider", CreateInside),
        ("Serilog.ILogger", CreateInside),
        ("System.Data.IDbConnection", CreateInside),
        ("System.Data.IDbCommand", CreateInside),
        ("System.Data.IDataReader", CreateInside),
        ("System.Diagnostics.Process", CreateInside),
        ("System.Net.Http.HttpClient", CreateInside),
        ("System.Net.Sockets.Socket", CreateInside),
    ];

    /// <summary>The reason <paramref name="type"/> is never data, or null when it may be.</summary>
    public static string? Refusal(Type type)
    {
        var name = TypeNames.Display(type);
        if (type.IsPointer || type.IsFunctionPointer || type.IsByRef || type.IsByRefLike)
        {
            return $"{name} is a pointer or a stack-only type and cannot be sent to a worker";
        }

        if (type.ContainsGenericParameters)
        {
            return $"{name} is an open generic type and cannot be sent to a worker";
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return $"{name} is a delegate and cannot be sent to a worker; call a method instead of capturing a delegate";
        }

        if (type.Assembly == typeof(TypeRules).Assembly)
        {
            return $"{name} cannot be sent to a worker; don't use the cluster or a future inside the function";
        }

        if (typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask) || type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)
            || typeof(IAsyncResult).IsAssignableFrom(type))
        {
            return $"{name} cannot be sent to a worker; await it first and capture the result";
        }

        if (type == typeof(CancellationToken) || typeof(CancellationTokenSource).IsAssignableFrom(type) || typeof(Stream).IsAssignableFrom(type)
            || typeof(TextReader).IsAssignableFrom(type) || typeof(TextWriter).IsAssignableFrom(type) || typeof(WaitHandle).IsAssignableFrom(type)
            || ResourcesByName.Any(resource => IsA(type, resource.FullName)))
        {
            return $"{name} cannot be sent to a worker; {CreateInside}";
        }

        if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type))
        {
            return $"{name} is reflection metadata and cannot be sent to a worker; send the names or data you need";
        }

        if (type.IsCOMObject || type.IsImport)
        {
            return $"{name} is a COM object and cannot be sent to a worker";
        }

        return null;
    }

    /// <summary>The reason for a framework type that is none of the known kinds but also not a data type the codec knows.</summary>
    public static string NotData(Type type) =>
        typeof(IEnumerable).IsAssignableFrom(type)
            ? $"{TypeNames.Display(type)} cannot be sent to a worker; if it is a lazy LINQ query, call ToList() or ToArray() on it first"
            : $"{TypeNames.Display(type)} cannot be sent to a worker; send data instead: numbers, strings, arrays, lists, dictionaries, tuples, enums, and records or structs of your own";

    private static bool IsA(Type type, string fullName) =>
        type.FullName == fullName || type.GetInterfaces().Any(face => face.FullName == fullName) || BaseTypes(type).Any(basis => basis.FullName == fullName);

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var basis = type.BaseType; basis is not null; basis = basis.BaseType)
        {
            yield return basis;
        }
    }
}
