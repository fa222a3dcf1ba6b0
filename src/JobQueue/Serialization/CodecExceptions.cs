namespace JobQueue.Serialization;

/// <summary>
/// A value that cannot be sent to a worker, with the path from the caller's root name to the offending member
/// (e.g. <c>closure.&lt;&gt;4__this.cluster</c>) and a hint at what to do instead.
/// </summary>
internal sealed class UnsupportedValueException : NotSupportedException
{
    private readonly string _problem;
    private string _path = "";

    public UnsupportedValueException(Type type, string problem) : base(problem)
    {
        Type = type;
        _problem = problem;
    }

    /// <summary>The type of the value that was refused.</summary>
    public Type Type { get; }

    /// <summary>Where the value sits, from the root name the caller gave (filled in as the exception unwinds).</summary>
    public string Path => _path;

    public override string Message => $"{_path}: {_problem}";

    // Composite codecs add their member's segment while the exception unwinds, so the happy path keeps no path stack.
    internal UnsupportedValueException Within(string segment)
    {
        _path = segment + _path;
        return this;
    }
}

/// <summary>
/// Bytes naming a type outside the allowlist. Thrown before any instance of the type is created. (Not an
/// <see cref="InvalidDataException"/>, which is sealed: decoding fails with one of the two.)
/// </summary>
internal sealed class DisallowedTypeException(string typeName, string reason)
    : Exception($"The value names type {typeName}, which is not allowed here: {reason}.")
{
    /// <summary>The type as the bytes named it.</summary>
    public string TypeName { get; } = typeName;
}
