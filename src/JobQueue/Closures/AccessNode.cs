using System.Reflection;

namespace JobQueue.Closures;

/// <summary>
/// What a method needs of one object it can reach from a parameter: the fields it reads (each with what it needs of
/// the value read), the callees the object is passed to (whose needs add up with these), and the virtual methods
/// called on it, which only the object's runtime type can resolve. Built by <see cref="MethodAnalyzer"/>, read-only
/// once its method summary is published.
/// </summary>
internal sealed class AccessNode
{
    /// <summary>The object is used in a way the analysis does not follow: it travels as it is.</summary>
    public bool Whole { get; private set; }

    public Dictionary<FieldInfo, AccessNode>? Fields { get; private set; }

    public List<AccessNode>? Includes { get; private set; }

    public List<MethodInfo>? VirtualCalls { get; private set; }

    public void KeepWhole() => Whole = true;

    public AccessNode Field(FieldInfo field)
    {
        Fields ??= [];
        if (!Fields.TryGetValue(field, out var child))
        {
            child = new AccessNode();
            Fields.Add(field, child);
        }

        return child;
    }

    public void Include(AccessNode calleeParameter)
    {
        Includes ??= [];
        if (calleeParameter != this && !Includes.Contains(calleeParameter))
        {
            Includes.Add(calleeParameter);
        }
    }

    public void CallVirtual(MethodInfo method)
    {
        VirtualCalls ??= [];
        if (!VirtualCalls.Contains(method))
        {
            VirtualCalls.Add(method);
        }
    }
}
