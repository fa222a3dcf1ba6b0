using System.Linq.Expressions;
using System.Reflection;
using JobQueue.Protocol;
using JobQueue.Serialization;

namespace JobQueue.Worker;

/// <summary>
/// A function of two to four arguments (<see cref="FunctionShape.SeveralArguments"/>, or its async form whose last
/// parameter is the task's cancellation token): splits the framed argument, decodes each part as its parameter's
/// type and calls the method through a compiled delegate, so what it throws reaches the task unwrapped.
/// </summary>
internal sealed class SeveralArguments : LoadedFunction
{
    private readonly Type[] _parameterTypes;
    private readonly Type _resultType;
    private readonly PropertyInfo? _taskResult;
    private readonly Func<object?[], CancellationToken, object?> _call;
    private readonly TypeAllowlist _allowlist;

    public SeveralArguments(MethodInfo method, object? target, TypeAllowlist allowlist, bool isAsync)
    {
        _allowlist = allowlist;
        var parameters = method.GetParameters();
        _parameterTypes = [.. parameters.Take(isAsync ? parameters.Length - 1 : parameters.Length).Select(parameter => parameter.ParameterType)];
        _taskResult = isAsync ? method.ReturnType.GetProperty(nameof(Task<int>.Result)) : null;
        _resultType = isAsync ? method.ReturnType.GetGenericArguments()[0] : method.ReturnType;

        var values = Expression.Parameter(typeof(object?[]), "values");
        var token = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        List<Expression> arguments = [.. _parameterTypes.Select((type, i) => Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(i)), type))];
        if (isAsync)
        {
            arguments.Add(token);
        }

        var instance = method.IsStatic ? null : Expression.Constant(target, method.DeclaringType!);
        var call = Expression.Convert(Expression.Call(instance, method, arguments), typeof(object));
        _call = Expression.Lambda<Func<object?[], CancellationToken, object?>>(call, values, token).Compile();
    }

    public override bool TakesCancellation => _taskResult is not null;

    public override async ValueTask<byte[]> RunAsync(ReadOnlyMemory<byte> argument, CancellationToken cancellationToken)
    {
        var parts = ArgumentFrames.Split(argument, _parameterTypes.Length);
        var values = new object?[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            values[i] = ValueCodec.Decode(parts[i].Span, _parameterTypes[i], _allowlist);
        }

        var result = _call(values, cancellationToken);
        if (_taskResult is not null)
        {
            var task = (Task)result!;
            await task.ConfigureAwait(false);
            result = _taskResult.GetValue(task);
        }

        return ValueCodec.Encode(result, _resultType, _allowlist, "result");
    }
}
