using System.Reflection;
using JobQueue.Protocol;
using JobQueue.Serialization;
using JobQueue.Shipping;

namespace JobQueue.Worker;

/// <summary>A function a worker can call: decodes the argument, runs the user's delegate, encodes the result.</summary>
internal abstract class LoadedFunction
{
    public abstract ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken);

    /// <summary>Whether the function observes a cancellation token; only then does a task get a token source of its own.</summary>
    public virtual bool TakesCancellation => false;

    /// <summary>Finds the method the definition names in its code version and rebuilds its closure.</summary>
    public static LoadedFunction Load(FunctionDefinition definition, CodeLoadContext code, FileCache files)
    {
        var method = FunctionReference.Resolve(definition, code.UserAssemblies[0]);
        var allowlist = TypeAllowlist.For(code.UserAssemblies);
        var target = FunctionReference.Target(definition, method, allowlist, files);
        if (definition.Shape is FunctionShape.SeveralArguments or FunctionShape.AsyncSeveralArguments)
        {
            return new SeveralArguments(method, target, allowlist, definition.Shape == FunctionShape.AsyncSeveralArguments);
        }

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
