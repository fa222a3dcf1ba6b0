using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using JobQueue.Serialization;

namespace JobQueue.Closures;

/// <summary>
/// Finds, from a delegate method's IL, the fields of its target it actually reads (following calls into user code)
/// and copies only those, so that a lambda touching one field of a big object does not drag the object's other
/// state (a cluster, a stream) to the workers. The analysis is cached per method; a prune after that costs a walk
/// over the objects read.
/// </summary>
/// <param name="isUserAssembly">
/// Whose methods are followed and whose objects may be copied field by field; calls into other code keep their
/// arguments whole.
/// </param>
internal sealed class ClosurePruner(Func<Assembly, bool> isUserAssembly)
{
    private readonly ConcurrentDictionary<Assembly, bool> userAssemblies = new();
    private readonly ConcurrentDictionary<MethodBase, MethodSummary> summaries = new();
    private readonly ConcurrentDictionary<(MethodInfo Method, Type ReceiverType), MethodSummary?> overrides = new();
    private readonly ConcurrentDictionary<Type, bool> copyableTypes = new();
    private readonly Lock analysisGate = new();
    private int analysedMethods;

    /// <summary>How many methods have been analysed so far (each once).</summary>
    public int AnalysedMethods => Volatile.Read(ref analysedMethods);

    /// <summary>The pruned target of <paramref name="function"/> and the user static fields it reads. Never changes the user's objects.</summary>
    public PrunedClosure Prune(Delegate function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var method = function.Method;
        var summary = SummaryOf(method);
        var staticFieldsRead = summary?.StaticFieldsReadTransitively ?? [];
        var target = function.Target;
        if (target is null || IsStatelessLambdaHolder(target.GetType()))
        {
            return new PrunedClosure(null, staticFieldsRead);
        }

        if (summary is null || summary.Parameters.Length == 0)
        {
            return new PrunedClosure(target, staticFieldsRead);
        }

        var copier = new ClosureCopier(Override, IsCopyable);
        var pruned = copier.Copy(target, summary.Parameters[0]);
        if (copier.Dispatched.Count > 0)
        {
            staticFieldsRead = [.. staticFieldsRead.Concat(copier.Dispatched.SelectMany(callee => callee.StaticFieldsReadTransitively)).Distinct()];
        }

        return new PrunedClosure(pruned, staticFieldsRead);
    }

    /// <summary>
    /// A default for <c>isUserAssembly</c>: everything but JobQueue and the platform (the shared frameworks and
    /// Microsoft's packages).
    /// </summary>
    public static bool IsOutsideDotNetAndJobQueue(Assembly assembly) =>
        assembly != typeof(ClosurePruner).Assembly && !FrameworkAssemblies.IsPlatform(assembly);

    // The published summary of a user method, analysing it (and the user methods it reaches) on first use.
    private MethodSummary? SummaryOf(MethodBase method)
    {
        if (summaries.TryGetValue(method, out var published))
        {
            return published;
        }

        if (!IsUser(method.Module.Assembly))
        {
            return null;
        }

        lock (analysisGate)
        {
            return summaries.TryGetValue(method, out published) ? published : AnalyseFrom(method);
        }
    }

    // Analyses a method and every user method it reaches that has no summary yet; publishes them together, so other
    // threads never see a summary whose callees are still being analysed.
    private MethodSummary AnalyseFrom(MethodBase root)
    {
        var started = new Dictionary<MethodBase, MethodSummary>();
        var queue = new Queue<MethodSummary>();
        MethodSummary? Start(MethodBase method)
        {
            if (summaries.TryGetValue(method, out var known) || started.TryGetValue(method, out known))
            {
                return known;
            }

            if (!IsUser(method.Module.Assembly))
            {
                return null;
            }

            var summary = new MethodSummary(method);
            started.Add(method, summary);
            queue.Enqueue(summary);
            return summary;
        }

        var rootSummary = Start(root)!;
        while (queue.TryDequeue(out var next))
        {
            MethodAnalyzer.Analyse(next, Start, IsReportedStatic);
            Interlocked.Increment(ref analysedMethods);
        }

        foreach (var summary in started.Values)
        {
            summary.StaticFieldsReadTransitively = StaticFieldsReachedFrom(summary);
        }

        foreach (var (method, summary) in started)
        {
            summaries[method] = summary;
        }

        return rootSummary;
    }

    private static List<FieldInfo> StaticFieldsReachedFrom(MethodSummary start)
    {
        var seen = new HashSet<MethodSummary> { start };
        var pending = new Stack<MethodSummary>([start]);
        var fields = new List<FieldInfo>();
        while (pending.TryPop(out var summary))
        {
            fields.AddRange(summary.StaticFieldsRead.Where(field => !fields.Contains(field)));
            foreach (var callee in summary.Callees.Where(seen.Add))
            {
                pending.Push(callee);
            }
        }

        return fields;
    }

    private bool IsUser(Assembly assembly) => userAssemblies.GetOrAdd(assembly, isUserAssembly);

    // Which method a virtual call runs on an object of this runtime type; null when it is not user code.
    private MethodSummary? Override(MethodInfo method, Type receiverType) =>
        overrides.GetOrAdd((method, receiverType), key => FindOverride(key.Method, key.ReceiverType) is { } target ? SummaryOf(target) : null);

    private static MethodInfo? FindOverride(MethodInfo method, Type receiverType)
    {
        if (method.DeclaringType is { IsInterface: true } contract)
        {
            if (!contract.IsAssignableFrom(receiverType) || receiverType.IsInterface)
            {
                return null;
            }

            var map = receiverType.GetInterfaceMap(contract);
            var slot = Array.FindIndex(map.InterfaceMethods, candidate => IsSameMethod(candidate, method));
            return slot >= 0 ? map.TargetMethods[slot] : null;
        }

        var definition = method.GetBaseDefinition();
        for (var type = receiverType; type is not null; type = type.BaseType)
        {
            foreach (var candidate in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (candidate.IsVirtual && IsSameMethod(candidate.GetBaseDefinition(), definition))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool IsSameMethod(MethodInfo a, MethodInfo b) =>
        a.MetadataToken == b.MetadataToken && a.Module == b.Module && a.DeclaringType == b.DeclaringType;

    // Only the user's own plain classes are rebuilt: framework objects (collections, strings, arrays, delegates) keep
    // invariants a partial copy would break, and an uninitialised object with a finalizer would run it on missing state.
    private bool IsCopyable(Type type) => copyableTypes.GetOrAdd(type, candidate =>
        candidate is { IsClass: true, IsArray: false, IsCOMObject: false }
        && !candidate.IsSubclassOf(typeof(Delegate))
        && IsUser(candidate.Assembly)
        && candidate.GetMethod("Finalize", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)?.DeclaringType == typeof(object));

    // Compiler-made state (lambda singletons and delegate caches, constant tables) is not user state worth a warning.
    private bool IsReportedStatic(FieldInfo field) =>
        !field.IsLiteral && IsUser(field.Module.Assembly) && !IsCompilerGenerated(field.DeclaringType);

    private static bool IsCompilerGenerated(Type? type)
    {
        for (; type is not null; type = type.DeclaringType)
        {
            if (type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            {
                return true;
            }
        }

        return false;
    }

    // A lambda capturing nothing is an instance method of the compiler's stateless singleton ("<>c").
    private static bool IsStatelessLambdaHolder(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        && type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0;
}
