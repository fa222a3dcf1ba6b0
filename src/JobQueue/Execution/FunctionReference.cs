using System.Reflection;
using System.Runtime.CompilerServices;
using JobQueue.Coordination.Protocol;
using JobQueue.Execution.Serialization;
using Google.Protobuf;

namespace JobQueue.Execution;

/// <summary>
/// A user's delegate as the workers see it: the method, by assembly path and metadata token, and the captured
/// values of its closure. Built once per Map or Submit; equal definitions share one id on the coordinator.
/// </summary>
internal static class FunctionReference
{
    /// <summary>Describes <paramref name="function"/> for the workers.</summary>
    /// <exception cref="ArgumentException">The delegate cannot run elsewhere; the message says why and what to do.</exception>
    public static FunctionDefinition Describe(Delegate function, FunctionShape shape)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.HasSingleTarget is false)
        {
            throw new ArgumentException("A multicast delegate cannot run on a worker: pass one method or lambda.", nameof(function));
        }

        var method = function.Method;
        var assembly = method.Module.Assembly;
        if (assembly.IsDynamic || string.IsNullOrEmpty(assembly.Location) || method.DeclaringType is null)
        {
            throw new ArgumentException(
                $"{method.Name} lives in an assembly without a file (dynamic, compiled expression or in-memory); workers load functions from compiled assemblies on disk.",
                nameof(function));
        }

        if (method.DeclaringType.ContainsGenericParameters || method.IsGenericMethod)
        {
            throw new ArgumentException(
                $"{method.DeclaringType.Name}.{method.Name} is generic; move the lambda into a non-generic method or pass a non-generic static method.", nameof(function));
        }

        byte[] target = [];
        if (!method.IsStatic && function.Target is { } closure && !IsCaptureFreeLambdaHolder(closure.GetType()))
        {
            try
            {
                // Decoding here too refuses, at the call, captures that would only fail on the worker.
                target = ValueCodec.Encode(closure, closure.GetType(), TypeAllowlist.Client, "closure");
                ValueCodec.Decode(target, closure.GetType(), TypeAllowlist.Client);
            }
            catch (Exception exception) when (exception is UnsupportedValueException || ValueCodec.IsDecodingFailure(exception))
            {
                throw new ArgumentException(
                    $"The values {method.Name} captures cannot be sent to workers: {exception.Message}. Capture only data such as numbers, strings, arrays, lists, dictionaries and records.",
                    nameof(function), exception);
            }
        }

        return new FunctionDefinition
        {
            AssemblyPath = assembly.Location,
            AssemblyName = assembly.GetName().Name ?? "",
            MethodToken = method.MetadataToken,
            MethodName = method.Name,
            Target = ByteString.CopyFrom(target),
            Shape = shape,
        };
    }

    /// <summary>The method a definition names, checked against its name, in an assembly loaded from its path.</summary>
    public static MethodInfo Resolve(FunctionDefinition definition, Assembly assembly) =>
        assembly.ManifestModule.ResolveMethod(definition.MethodToken) is MethodInfo method && method.Name == definition.MethodName
            ? method
            : throw new InvalidOperationException(
                $"Method {definition.MethodName} (token {definition.MethodToken:x8}) is not in {definition.AssemblyPath}: the worker sees another build of {definition.AssemblyName}.");

    /// <summary>The object a non-static method runs on: the decoded closure, or a fresh instance of a lambda holder that captures nothing.</summary>
    public static object? Target(FunctionDefinition definition, MethodInfo method, TypeAllowlist allowlist) =>
        method.IsStatic ? null
        : definition.Target.IsEmpty ? Activator.CreateInstance(method.DeclaringType!, nonPublic: true)
        : ValueCodec.Decode(definition.Target.Span, method.DeclaringType!, allowlist);

    // Lambdas that capture nothing are instance methods of the compiler's singleton "<>c" class, which has no state.
    private static bool IsCaptureFreeLambdaHolder(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute)) && type.Name == "<>c";
}
