using System.Reflection;

namespace JobQueue.Closures;

/// <summary>
/// The result of analysing one method: per parameter (index 0 is <c>this</c> for instance methods, as in
/// <c>ldarg</c>), what the method needs of the argument, plus the user static fields it reads and the user methods it
/// calls. Independent of live objects, so it is computed once per method.
/// </summary>
internal sealed class MethodSummary
{
    public MethodSummary(MethodBase method)
    {
        Method = method;
        var parameters = method.GetParameters();
        var hasThis = !method.IsStatic;
        Parameters = new AccessNode[parameters.Length + (hasThis ? 1 : 0)];
        for (var i = 0; i < Parameters.Length; i++)
        {
            var type = hasThis && i == 0 ? method.DeclaringType! : parameters[i - (hasThis ? 1 : 0)].ParameterType;
            Parameters[i] = new AccessNode();
            if (!IsTrackedReference(type))
            {
                // Values, pointers and references to variables are not followed; anything passed there travels whole.
                Parameters[i].KeepWhole();
            }
        }
    }

    public MethodBase Method { get; }

    public AccessNode[] Parameters { get; }

    public List<FieldInfo> StaticFieldsRead { get; } = [];

    public List<MethodSummary> Callees { get; } = [];

    /// <summary>The static fields read by this method and every user method it reaches; set once analysis completes.</summary>
    public IReadOnlyList<FieldInfo> StaticFieldsReadTransitively { get; set; } = [];

    /// <summary>The method could not be analysed (no body, unknown IL): everything passed to it travels whole.</summary>
    public void MarkUnanalysable()
    {
        foreach (var parameter in Parameters)
        {
            parameter.KeepWhole();
        }
    }

    /// <summary>Whether an object of this static type can be followed field by field.</summary>
    public static bool IsTrackedReference(Type type) =>
        !type.IsValueType && !type.IsByRef && !type.IsPointer && !type.IsGenericParameter && !type.IsFunctionPointer;
}
