using System.Reflection;
using System.Runtime.CompilerServices;

namespace JobQueue.Closures;

/// <summary>
/// Applies analysed access nodes to live objects: first finds, for every object reached, the fields needed (or that it
/// must travel whole), then builds the copies, so objects reached along several paths get one copy with the union of
/// their fields and cycles are kept. Used once per prune; the user's objects are only read.
/// </summary>
internal sealed class ClosureCopier(Func<MethodInfo, Type, MethodSummary?> dispatch, Func<Type, bool> isCopyable)
{
    private readonly Dictionary<object, ObjectPlan> plans = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<(object Instance, AccessNode Node)> visited = new(VisitComparer.Instance);
    private readonly Stack<(object Instance, AccessNode Node)> pending = new();

    /// <summary>The overrides that virtual calls resolved to, on the objects met.</summary>
    public List<MethodSummary> Dispatched { get; } = [];

    /// <summary>Returns the pruned copy of <paramref name="root"/>, or the root itself when it must travel whole.</summary>
    public object Copy(object root, AccessNode rootNode)
    {
        pending.Push((root, rootNode));
        while (pending.TryPop(out var visit))
        {
            if (visited.Add(visit))
            {
                Require(visit.Instance, visit.Node);
            }
        }

        foreach (var (original, plan) in plans)
        {
            if (!plan.Whole)
            {
                plan.Copy = RuntimeHelpers.GetUninitializedObject(original.GetType());
            }
        }

        foreach (var (original, plan) in plans)
        {
            if (plan.Copy is { } copy)
            {
                foreach (var field in plan.Fields)
                {
                    var value = field.GetValue(original);
                    if (value is not null && plans.TryGetValue(value, out var valuePlan) && valuePlan.Copy is { } valueCopy)
                    {
                        value = valueCopy;
                    }

                    field.SetValue(copy, value);
                }
            }
        }

        return plans[root].Copy ?? root;
    }

    private void Require(object instance, AccessNode node)
    {
        if (!plans.TryGetValue(instance, out var plan))
        {
            plan = new ObjectPlan { Whole = !isCopyable(instance.GetType()) };
            plans.Add(instance, plan);
        }

        if (plan.Whole || node.Whole)
        {
            plan.Whole = true;
            return;
        }

        foreach (var included in node.Includes ?? [])
        {
            pending.Push((instance, included));
        }

        foreach (var method in node.VirtualCalls ?? [])
        {
            if (dispatch(method, instance.GetType()) is not { } target)
            {
                plan.Whole = true;
                return;
            }

            Dispatched.Add(target);
            pending.Push((instance, target.Parameters[0]));
        }

        foreach (var (field, child) in node.Fields ?? [])
        {
            if (!plan.Fields.Contains(field))
            {
                plan.Fields.Add(field);
            }

            if (!field.FieldType.IsValueType && field.GetValue(instance) is { } value)
            {
                pending.Push((value, child));
            }
        }
    }

    private sealed class ObjectPlan
    {
        public bool Whole { get; set; }

        public List<FieldInfo> Fields { get; } = [];

        public object? Copy { get; set; }
    }

    // Objects are compared by identity: a user's Equals must neither run nor merge distinct objects.
    private sealed class VisitComparer : IEqualityComparer<(object Instance, AccessNode Node)>
    {
        public static readonly VisitComparer Instance = new();

        public bool Equals((object Instance, AccessNode Node) x, (object Instance, AccessNode Node) y) =>
            ReferenceEquals(x.Instance, y.Instance) && ReferenceEquals(x.Node, y.Node);

        public int GetHashCode((object Instance, AccessNode Node) visit) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(visit.Instance), RuntimeHelpers.GetHashCode(visit.Node));
    }
}
