using System.Runtime.Loader;
using Microsoft.Extensions.Logging;

namespace JobQueue.Maps;

/// <summary>
/// What <see cref="TaskContext.GetOrCreate{T}"/> keeps on a worker: one value per key and code version (the load
/// context of the code that creates it, so two builds never share a value), created once however many threads ask
/// at the same moment, and disposed when the worker ends.
/// </summary>
internal sealed class WorkerValues(ILogger logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(AssemblyLoadContext Code, string Key), Lazy<object?>> _values = [];
    private bool _disposed;

    public T GetOrCreate<T>(string key, Func<T> create)
    {
        var code = AssemblyLoadContext.GetLoadContext(create.Method.Module.Assembly) ?? AssemblyLoadContext.Default;
        Lazy<object?> value;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_values.TryGetValue((code, key), out value!))
            {
                // A creation that threw is not kept: the next task tries again.
                value = new Lazy<object?>(() => create(), LazyThreadSafetyMode.ExecutionAndPublication);
                _values[(code, key)] = value;
            }
        }

        try
        {
            return value.Value is T typed
                ? typed
                : throw new InvalidOperationException(
                    $"TaskContext.GetOrCreate(\"{key}\") holds a {value.Value?.GetType().Name ?? "null"} on this worker, not a {typeof(T).Name}: give values of different types different keys.");
        }
        catch (Exception) when (!value.IsValueCreated)
        {
            lock (_gate)
            {
                if (_values.TryGetValue((code, key), out var kept) && kept == value)
                {
                    _values.Remove((code, key));
                }
            }

            throw;
        }
    }

    /// <summary>Disposes every value created (IAsyncDisposable or IDisposable); later calls to <see cref="GetOrCreate{T}"/> fail.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Lazy<object?>> values;
        lock (_gate)
        {
            _disposed = true;
            values = [.. _values.Values];
            _values.Clear();
        }

        foreach (var value in values.Where(value => value.IsValueCreated))
        {
            // One value that fails to dispose must not keep the others from it.
            try
            {
                switch (value.Value)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Disposing a {Type} kept by TaskContext.GetOrCreate failed", value.Value?.GetType().Name);
            }
        }
    }
}
