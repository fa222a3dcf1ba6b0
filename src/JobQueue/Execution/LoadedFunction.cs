using System.Reflection;
using System.Runtime.Loader;
using JobQueue.Coordination.Protocol;
using JobQueue.Execution.Serialization;

namespace JobQueue.Execution;

/// <summary>A function a worker can call: decodes the argument, runs the user's delegate, encodes the result.</summary>
internal abstract class LoadedFunction
{
    public abstract ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken);

    /// <summary>Whether the function observes a cancellation token; only then does a task get a token source of its own.</summary>
    public virtual bool TakesCancellation => false;

    /// <summary>Loads the assembly the definition names, finds the method and rebuilds its closure.</summary>
    public static LoadedFunction Load(FunctionDefinition definition)
    {
        var assembly = UserAssemblies.Load(definition.AssemblyPath, definition.AssemblyName);
        var method = FunctionReference.Resolve(definition, assembly);
        var allowlist = TypeAllowlist.For([assembly, .. UserAssemblies.References(assembly)]);
        var target = FunctionReference.Target(definition, method, allowlist);
        var parameters = method.GetParameters();
        var (shape, typeArguments) = definition.Shape switch
        {
            FunctionShape.NoArgument => (typeof(NoArgument<>), new[] { method.ReturnType }),
            FunctionShape.OneArgument => (typeof(OneArgument<,>), [parameters[0].ParameterType, method.ReturnType]),
            _ => (typeof(AsyncWithCancellation<,>), [parameters[0].ParameterType, method.ReturnType.GetGenericArguments()[0]]),
        };
        var closed = shape.MakeGenericType(typeArguments);
        return (LoadedFunction)Activator.CreateInstance(closed, method, target, allowlist)!;
    }

    private sealed class NoArgument<TResult>(MethodInfo method, object? target, TypeAllowlist allowlist) : LoadedFunction
    {
        private readonly Func<TResult> _function = method.CreateDelegate<Func<TResult>>(target);

        public override ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken) =>
            new(ValueCodec.Encode(_function(), allowlist, "result"));
    }

    private sealed class OneArgument<TArgument, TResult>(MethodInfo method, object? target, TypeAllowlist allowlist) : LoadedFunction
    {
        private readonly Func<TArgument, TResult> _function = method.CreateDelegate<Func<TArgument, TResult>>(target);

        public override ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken) =>
            new(ValueCodec.Encode(_function(ValueCodec.Decode<TArgument>(argument.Span, allowlist)), allowlist, "result"));
    }

    private sealed class AsyncWithCancellation<TArgument, TResult>(MethodInfo method, object? target, TypeAllowlist allowlist) : LoadedFunction
    {
        private readonly Func<TArgument, CancellationToken, Task<TResult>> _function =
            method.CreateDelegate<Func<TArgument, CancellationToken, Task<TResult>>>(target);

        public override bool TakesCancellation => true;

        public override async ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken) =>
            ValueCodec.Encode(await _function(ValueCodec.Decode<TArgument>(argument.Span, allowlist), cancellationToken).ConfigureAwait(false), allowlist, "result");
    }
}

/// <summary>
/// The user's assemblies, loaded from the paths the coordinator names; their dependencies are found beside them.
/// </summary>
internal static class UserAssemblies
{
    private static readonly object Gate = new();
    private static readonly HashSet<string> Directories = [];

    static UserAssemblies() => AssemblyLoadContext.Default.Resolving += (context, name) =>
    {
        lock (Gate)
        {
            return Directories.Select(directory => Path.Combine(directory, name.Name + ".dll")).FirstOrDefault(File.Exists) is { } path
                ? context.LoadFromAssemblyPath(path)
                : null;
        }
    };

    public static Assembly Load(string path, string name)
    {
        lock (Gate)
        {
            Directories.Add(Path.GetDirectoryName(path)!);
        }

        // An assembly already in the process (JobQueue itself, or one loaded for an earlier function) is reused.
        return AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(loaded => !loaded.IsDynamic && loaded.GetName().Name == name)
            ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// The assemblies <paramref name="assembly"/> references that can be loaded, whose types its function's values
    /// may have. Framework ones are loaded too but the allowlist ignores them.
    /// </summary>
    public static IEnumerable<Assembly> References(Assembly assembly)
    {
        var context = AssemblyLoadContext.GetLoadContext(assembly) ?? AssemblyLoadContext.Default;
        foreach (var name in assembly.GetReferencedAssemblies())
        {
            Assembly? reference;
            try
            {
                reference = context.LoadFromAssemblyName(name);
            }
            catch (Exception exception) when (exception is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // A reference the function never touches need not be present on the worker.
                reference = null;
            }

            if (reference is not null)
            {
                yield return reference;
            }
        }
    }
}
