using System.Reflection;
using System.Reflection.Emit;

namespace JobQueue.Closures;

/// <summary>
/// Fills a <see cref="MethodSummary"/> by abstract interpretation of the method's IL: the evaluation stack is
/// simulated with values that are either "an object reached from a parameter" (an <see cref="AccessNode"/>) or
/// unknown. Field loads extend a path; passing a path to a user method links the callee's parameter node; every other
/// use (store, compare, non-user call, return, ...) marks the object whole. Locals are not tracked, so a path stored
/// in a local is whole too: over-keeping is safe, missing a read is not.
/// </summary>
internal sealed class MethodAnalyzer
{
    private readonly MethodSummary summary;
    private readonly Func<MethodBase, MethodSummary?> userSummaryOf;
    private readonly Func<FieldInfo, bool> isReportedStatic;
    private readonly Module module;
    private readonly Type[]? typeArguments;
    private readonly Type[]? methodArguments;
    private readonly Dictionary<int, int> indexByOffset = [];
    private StackValue[]?[] entryStates = [];
    private readonly Stack<int> worklist = new();

    private MethodAnalyzer(MethodSummary summary, Func<MethodBase, MethodSummary?> userSummaryOf, Func<FieldInfo, bool> isReportedStatic)
    {
        this.summary = summary;
        this.userSummaryOf = userSummaryOf;
        this.isReportedStatic = isReportedStatic;
        var method = summary.Method;
        module = method.Module;
        typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
        methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
    }

    /// <summary>
    /// Analyses <paramref name="summary"/>'s method. <paramref name="userSummaryOf"/> gives the (possibly not yet
    /// analysed) summary of a user method, null for other code; <paramref name="isReportedStatic"/> says whether
    /// reading a static field is worth a warning. A method that cannot be analysed keeps all its arguments whole.
    /// </summary>
    public static void Analyse(MethodSummary summary, Func<MethodBase, MethodSummary?> userSummaryOf, Func<FieldInfo, bool> isReportedStatic)
    {
        try
        {
            new MethodAnalyzer(summary, userSummaryOf, isReportedStatic).Run();
        }
        catch (Exception exception) when (exception is InvalidProgramException or NotSupportedException or ArgumentException
            or BadImageFormatException or TypeLoadException or MemberAccessException or IOException or InvalidOperationException)
        {
            summary.MarkUnanalysable();
        }
    }

    private void Run()
    {
        var body = summary.Method.GetMethodBody() ?? throw new NotSupportedException("No method body.");
        var instructions = IlReader.Read(body.GetILAsByteArray() ?? []);
        for (var i = 0; i < instructions.Count; i++)
        {
            indexByOffset[instructions[i].Offset] = i;
            if (IlStackEffects.IsArgumentAddressOrStore(instructions[i].OpCode))
            {
                // The parameter may then hold another object or be reached through a pointer.
                Parameter(instructions[i]).KeepWhole();
            }
        }

        entryStates = new StackValue[]?[instructions.Count];
        Enter(0, []);
        foreach (var clause in body.ExceptionHandlingClauses)
        {
            var catchesException = clause.Flags is ExceptionHandlingClauseOptions.Clause or ExceptionHandlingClauseOptions.Filter;
            Enter(clause.HandlerOffset, catchesException ? [default] : []);
            if (clause.Flags == ExceptionHandlingClauseOptions.Filter)
            {
                Enter(clause.FilterOffset, [default]);
            }
        }

        while (worklist.TryPop(out var index))
        {
            var instruction = instructions[index];
            var stack = new List<StackValue>(entryStates[index]!);
            Execute(instruction, stack);
            foreach (var successor in IlStackEffects.Successors(instruction))
            {
                Enter(successor, [.. stack]);
            }
        }
    }

    // Merges the stack flowing into an instruction with what reached it before; a slot that differs between paths
    // becomes unknown, and the objects it held become whole.
    private void Enter(int offset, StackValue[] incoming)
    {
        if (!indexByOffset.TryGetValue(offset, out var index))
        {
            throw new InvalidProgramException($"Branch to offset {offset}, which starts no instruction.");
        }

        if (entryStates[index] is not { } existing)
        {
            entryStates[index] = incoming;
            worklist.Push(index);
            return;
        }

        if (existing.Length != incoming.Length)
        {
            throw new InvalidProgramException($"Stack heights differ at offset {offset}.");
        }

        StackValue[]? merged = null;
        for (var slot = 0; slot < existing.Length; slot++)
        {
            if (existing[slot] != incoming[slot])
            {
                Escape(existing[slot]);
                Escape(incoming[slot]);
                if (existing[slot] != default)
                {
                    merged ??= [.. existing];
                    merged[slot] = default;
                }
            }
        }

        if (merged is not null)
        {
            entryStates[index] = merged;
            worklist.Push(index);
        }
    }

    private void Execute(IlInstruction instruction, List<StackValue> stack)
    {
        var op = instruction.OpCode;
        if (op.OpCodeType == OpCodeType.Prefix || op == OpCodes.Nop)
        {
            return;
        }

        if (IlStackEffects.IsArgumentLoad(op))
        {
            stack.Add(new StackValue(Parameter(instruction)));
        }
        else if (op == OpCodes.Ldfld)
        {
            stack.Add(LoadField(Pop(stack), ResolveField(instruction)));
        }
        else if (op == OpCodes.Ldflda)
        {
            // A reference to the field lets anything happen to it: the field's value travels whole.
            Pop(stack).Path?.Field(ResolveField(instruction)).KeepWhole();
            stack.Add(default);
        }
        else if (op == OpCodes.Stfld)
        {
            Escape(Pop(stack));
            Pop(stack); // Writing into an object reached from a parameter writes into its copy: nothing to keep.
        }
        else if (op == OpCodes.Ldsfld || op == OpCodes.Ldsflda)
        {
            RecordStaticRead(ResolveField(instruction));
            stack.Add(default);
        }
        else if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj)
        {
            Call(op, module.ResolveMethod(instruction.Token, typeArguments, methodArguments)!, stack);
        }
        else if (op == OpCodes.Ldftn || op == OpCodes.Ldvirtftn)
        {
            var method = module.ResolveMethod(instruction.Token, typeArguments, methodArguments)!;
            if (op == OpCodes.Ldvirtftn)
            {
                Pop(stack); // The object is only used to find the method; the delegate constructor receives it again.
            }

            AddCallee(method);
            stack.Add(new StackValue(null, method, IsVirtualPointer: op == OpCodes.Ldvirtftn));
        }
        else if (op == OpCodes.Dup)
        {
            stack.Add(Peek(stack));
        }
        else if (op == OpCodes.Pop)
        {
            Pop(stack); // Read but not used.
        }
        else if (op == OpCodes.Ret)
        {
            if (summary.Method is MethodInfo { ReturnType: var returnType } && returnType != typeof(void))
            {
                Escape(Pop(stack));
            }
        }
        else if (op == OpCodes.Leave || op == OpCodes.Leave_S)
        {
            stack.Clear(); // Leaving a protected region discards the stack unused.
        }
        else if (op == OpCodes.Calli || op == OpCodes.Jmp)
        {
            throw new NotSupportedException($"{op.Name} is not analysed.");
        }
        else
        {
            for (var popped = IlStackEffects.PopCount(op.StackBehaviourPop); popped > 0; popped--)
            {
                Escape(Pop(stack));
            }

            for (var pushed = IlStackEffects.PushCount(op.StackBehaviourPush); pushed > 0; pushed--)
            {
                stack.Add(default);
            }
        }
    }

    private static StackValue LoadField(StackValue receiver, FieldInfo field)
    {
        if (receiver.Path is not { } node)
        {
            return default;
        }

        var child = node.Field(field);
        if (!MethodSummary.IsTrackedReference(field.FieldType))
        {
            child.KeepWhole(); // Values are copied as they are.
            return default;
        }

        return new StackValue(child);
    }

    private void Call(OpCode op, MethodBase callee, List<StackValue> stack)
    {
        if (callee.CallingConvention.HasFlag(CallingConventions.VarArgs))
        {
            throw new NotSupportedException("Varargs calls are not analysed.");
        }

        var isNewobj = op == OpCodes.Newobj;
        var hasReceiver = !callee.IsStatic && !isNewobj;
        var arguments = new StackValue[callee.GetParameters().Length + (hasReceiver ? 1 : 0)];
        for (var i = arguments.Length - 1; i >= 0; i--)
        {
            arguments[i] = Pop(stack);
        }

        var calleeSummary = AddCallee(callee);
        if (isNewobj && callee.DeclaringType?.IsSubclassOf(typeof(Delegate)) is true && arguments.Length == 2)
        {
            BindDelegate(arguments[0], arguments[1]);
        }
        else
        {
            var dispatchesVirtually = op == OpCodes.Callvirt && IsOverridable(callee);
            for (var i = 0; i < arguments.Length; i++)
            {
                if (arguments[i].Path is not { } node)
                {
                    continue;
                }

                if (dispatchesVirtually)
                {
                    // Only the receiver's runtime type says which override runs; other arguments are not followed.
                    if (hasReceiver && i == 0)
                    {
                        node.CallVirtual((MethodInfo)callee);
                    }
                    else
                    {
                        node.KeepWhole();
                    }
                }
                else if (calleeSummary is null)
                {
                    node.KeepWhole();
                }
                else
                {
                    node.Include(calleeSummary.Parameters[isNewobj ? i + 1 : i]);
                }
            }
        }

        if (isNewobj || callee is MethodInfo { ReturnType: var returnType } && returnType != typeof(void))
        {
            stack.Add(default);
        }
    }

    // A delegate over a path value can later call its method with that value as the first argument (this).
    private void BindDelegate(StackValue target, StackValue function)
    {
        if (target.Path is not { } node)
        {
            return;
        }

        if (function.Pointer is not { } method)
        {
            node.KeepWhole();
        }
        else if (function.IsVirtualPointer && IsOverridable(method))
        {
            node.CallVirtual((MethodInfo)method);
        }
        else if (userSummaryOf(method) is { } calleeSummary && calleeSummary.Parameters.Length > 0)
        {
            node.Include(calleeSummary.Parameters[0]);
        }
        else
        {
            node.KeepWhole();
        }
    }

    private MethodSummary? AddCallee(MethodBase callee)
    {
        var calleeSummary = userSummaryOf(callee);
        if (calleeSummary is not null && calleeSummary != summary && !summary.Callees.Contains(calleeSummary))
        {
            summary.Callees.Add(calleeSummary);
        }

        return calleeSummary;
    }

    private void RecordStaticRead(FieldInfo field)
    {
        if (isReportedStatic(field) && !summary.StaticFieldsRead.Contains(field))
        {
            summary.StaticFieldsRead.Add(field);
        }
    }

    private static bool IsOverridable(MethodBase method) =>
        method is MethodInfo { IsVirtual: true, IsFinal: false, DeclaringType.IsSealed: false };

    private FieldInfo ResolveField(IlInstruction instruction) =>
        module.ResolveField(instruction.Token, typeArguments, methodArguments)
        ?? throw new InvalidProgramException($"Field token {instruction.Token:x8} does not resolve.");

    private AccessNode Parameter(IlInstruction instruction)
    {
        var op = instruction.OpCode;
        var index = op == OpCodes.Ldarg_0 ? 0 : op == OpCodes.Ldarg_1 ? 1 : op == OpCodes.Ldarg_2 ? 2 : op == OpCodes.Ldarg_3 ? 3 : (int)instruction.Operand;
        return index < summary.Parameters.Length
            ? summary.Parameters[index]
            : throw new InvalidProgramException($"{op.Name} names argument {index}, which does not exist.");
    }

    private static void Escape(StackValue value) => value.Path?.KeepWhole();

    private static StackValue Pop(List<StackValue> stack)
    {
        var value = Peek(stack);
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private static StackValue Peek(List<StackValue> stack) =>
        stack.Count > 0 ? stack[^1] : throw new InvalidProgramException("Evaluation stack underflow.");

    /// <summary>An evaluation-stack slot: an object reached from a parameter, a method pointer, or (default) unknown.</summary>
    private readonly record struct StackValue(AccessNode? Path, MethodBase? Pointer = null, bool IsVirtualPointer = false);
}
