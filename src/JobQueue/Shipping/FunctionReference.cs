using System.Collections.Concurrent;
using System.Reflection;
using JobQueue.Protocol;
using JobQueue.Closures;
using JobQueue.Serialization;
using JobQueue.Shipping;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace JobQueue.Shipping;

/// <summary>
/// A user's delegate as the workers see it: the method, by metadata token in an assembly named by content (with
/// the files it needs), and the captured values of its closure. Built once per Map or Submit; equal definitions share one id on the coordinator.
/// </summary>
internal static class FunctionReference
{
    private static readonly ClosurePruner Closures = new(ClosurePruner.IsOutsideDotNetAndJobQueue);
    private static readonly ConcurrentDictionary<FieldInfo, bool> WarnedStaticFields = new();

    // A description that does not depend on the delegate's target (a static method, or a lambda that reads nothing it
    // captured) is made once per method: a loop of Submits then pays a lookup, not the IL analysis and the manifest.
    // Whoever gets one of these must not change it (the coordinator copies what it keeps).
    private static readonly ConcurrentDictionary<(MethodInfo Method, FunctionShape Shape), FunctionDefinition> TargetFree = new();

    /// <summary>Describes <paramref name="function"/> for the workers.</summary>
    /// <exception cref="ArgumentException">The delegate cannot run elsewhere; the message says why and what to do.</exception>
    public static FunctionDefinition Describe(Delegate function, FunctionShape shape, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.HasSingleTarget is false)
        {
            throw new ArgumentException("A multicast delegate cannot run on a worker: pass one method or lambda.", nameof(function));
        }

        var method = function.Method;
        if (method.DeclaringType is null || method.Module.Assembly.IsDynamic)
        {
            throw new ArgumentException(
                $"{method.Name} was made at run time (Reflection.Emit, DynamicMethod or a compiled expression tree); workers run methods of compiled assemblies, so pass a lambda or a method instead.",
                nameof(function));
        }

        if (FrameworkAssemblies.IsSharedFramework(method.Module.Assembly))
        {
            throw new ArgumentException(
                $"{method.DeclaringType.Name}.{method.Name} is part of .NET itself (or an interpreted expression tree); wrap the call in a lambda of your own, e.g. x => Math.Sqrt(x).",
                nameof(function));
        }

        if (method.DeclaringType.ContainsGenericParameters || method.IsGenericMethod)
        {
            throw new ArgumentException(
                $"{method.DeclaringType.Name}.{method.Name} is generic; move the lambda into a non-generic method or pass a non-generic static method.", nameof(function));
        }

        if (TargetFree.TryGetValue((method, shape), out var known))
        {
            return known;
        }

        byte[] target = [];
        var separate = new List<ExternalValue>();
        // Only the captured fields the method reads travel: a lambda touching one field of an object holding the cluster
        // must not drag the cluster along. Lambdas capturing nothing have no closure to send.
        var pruned = Closures.Prune(function);
        WarnAboutStaticFields(method, pruned.StaticFieldsRead, logger);
        if (!method.IsStatic && pruned.Target is { } closure)
        {
            try
            {
                var rest = CapturedValues.Separate(closure, "closure", (value, type, path) => ValueCodec.Encode(value, type, TypeAllowlist.Client, path), separate);
                // Decoding here too refuses, at the call, captures that would only fail on the worker.
                target = ValueCodec.Encode(rest, closure.GetType(), TypeAllowlist.Client, "closure");
                ValueCodec.Decode(target, closure.GetType(), TypeAllowlist.Client);
            }
            catch (Exception exception) when (exception is UnsupportedValueException || ValueCodec.IsDecodingFailure(exception))
            {
                throw new ArgumentException(
                    $"The values {method.Name} captures cannot be sent to workers: {exception.Message}. Capture only data such as numbers, strings, arrays, lists, dictionaries and records.",
                    nameof(function), exception);
            }
        }

        var manifest = CodeManifest.For(method.Module.Assembly);
        // A closure too large for one message (say a dictionary holding a large array) travels as a file of its own.
        var targetFile = target.Length > ChannelLimits.ValueChunkSize ? ShippedFiles.AddContent($"closure of {method.Name}", target) : null;
        var definition = new FunctionDefinition
        {
            Assemblies = { manifest.Assemblies },
            NativeLibraries = { manifest.NativeLibraries },
            MethodToken = method.MetadataToken,
            MethodName = method.Name,
            DeclaringType = method.DeclaringType.FullName ?? method.DeclaringType.Name,
            Target = targetFile is null ? ByteString.CopyFrom(target) : ByteString.Empty,
            TargetFile = targetFile,
            Shape = shape,
            ExternalValues = { separate },
        };
        if (method.IsStatic || pruned.Target is null)
        {
            TargetFree.TryAdd((method, shape), definition);
        }

        return definition;
    }

    // A static field is not captured: the worker reads its own, which the user may not expect. Said once per field.
    private static void WarnAboutStaticFields(MethodInfo method, IReadOnlyList<FieldInfo> fields, ILogger logger)
    {
        foreach (var field in fields.Where(field => WarnedStaticFields.TryAdd(field, true)))
        {
            var name = field.Name.StartsWith('<') && field.Name.IndexOf('>') is > 1 and var end ? field.Name[1..end] : field.Name;
            logger.LogWarning(
                "{Function} reads static {Type}.{Field}: each worker reads its own copy, not this process's value; pass the value as an argument or capture it in a local",
                method.Name, field.DeclaringType?.Name, name);
        }
    }

    /// <summary>The method a definition names in its assembly, checked against its name and type.</summary>
    public static MethodInfo Resolve(FunctionDefinition definition, Assembly assembly) =>
        assembly.ManifestModule.ResolveMethod(definition.MethodToken) is MethodInfo method
        && method.Name == definition.MethodName
        && (method.DeclaringType?.FullName ?? method.DeclaringType?.Name) == definition.DeclaringType
            ? method
            : throw new InvalidOperationException(
                $"Method {definition.DeclaringType}.{definition.MethodName} (token {definition.MethodToken:x8}) is not in {assembly.GetName().Name} as shipped: the definition does not match the assembly it names.");

    /// <summary>The object a non-static method runs on: the decoded closure, or a fresh instance of a lambda holder that captures nothing.</summary>
    public static object? Target(FunctionDefinition definition, MethodInfo method, TypeAllowlist allowlist, FileCache files)
    {
        if (method.IsStatic)
        {
            return null;
        }

        if (definition.Target.IsEmpty && definition.TargetFile is null)
        {
            return Activator.CreateInstance(method.DeclaringType!, nonPublic: true);
        }

        var encoded = definition.TargetFile is { } file ? files.ReadVerified(file) : definition.Target.Span;
        var closure = ValueCodec.Decode(encoded, method.DeclaringType!, allowlist)!;
        CapturedValues.Restore(closure, definition.ExternalValues, (value, type) => CapturedValues.Load(value, type, files, (bytes, declared) => ValueCodec.Decode(bytes, declared, allowlist)));
        return closure;
    }
}
