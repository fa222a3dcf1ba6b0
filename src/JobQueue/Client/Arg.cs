namespace JobQueue;

/// <summary>
/// One argument of a <c>Submit</c> of several arguments: a value, or a <see cref="Future{T}"/> whose result the task
/// takes once it is done (passed on as the worker encoded it, never decoded here). Both convert implicitly, so write
/// <c>cluster.Submit((int a, int b) => a + b, future, 2)</c>.
/// </summary>
public readonly struct Arg<T> : IEquatable<Arg<T>>
{
    private readonly T _value;

    private Arg(T value, Future<T>? future) => (_value, Future) = (value, future);

    /// <summary>The future the argument is the result of; null for a value.</summary>
    internal Future<T>? Future { get; }

    public static implicit operator Arg<T>(T value) => FromValue(value);

    public static implicit operator Arg<T>(Future<T> future) => FromFuture(future);

    public static bool operator ==(Arg<T> left, Arg<T> right) => left.Equals(right);

    public static bool operator !=(Arg<T> left, Arg<T> right) => !left.Equals(right);

    /// <summary>A value as an argument.</summary>
    public static Arg<T> FromValue(T value) => new(value, null);

    /// <summary>The result of <paramref name="future"/> as an argument.</summary>
    public static Arg<T> FromFuture(Future<T> future)
    {
        ArgumentNullException.ThrowIfNull(future);
        return new Arg<T>(default!, future);
    }

    public bool Equals(Arg<T> other) => Future is null ? other.Future is null && EqualityComparer<T>.Default.Equals(_value, other._value) : ReferenceEquals(Future, other.Future);

    public override bool Equals(object? obj) => obj is Arg<T> other && Equals(other);

    public override int GetHashCode() => Future is null ? EqualityComparer<T>.Default.GetHashCode(_value!) : Future.GetHashCode();

    /// <summary>The argument as the coordinator takes it: the value encoded now, or the map item whose result it is.</summary>
    /// <exception cref="ArgumentException">The value cannot be sent to workers, or the future cannot be an argument.</exception>
    internal TaskInput ToInput(int position) =>
        Future is null ? TaskInput.Of(_value, position) : TaskInput.Of(Future, position);
}
