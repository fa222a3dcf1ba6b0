using System.Reflection.Emit;

namespace JobQueue.Closures;

/// <summary>What an IL instruction does to control flow and to the evaluation stack, as <see cref="MethodAnalyzer"/> simulates it.</summary>
internal static class IlStackEffects
{
    public static IEnumerable<int> Successors(IlInstruction instruction) => instruction.OpCode.FlowControl switch
    {
        FlowControl.Return or FlowControl.Throw => [],
        FlowControl.Branch => [(int)instruction.Operand],
        FlowControl.Cond_Branch when instruction.OpCode == OpCodes.Switch => [.. instruction.SwitchTargets, instruction.Next],
        FlowControl.Cond_Branch => [(int)instruction.Operand, instruction.Next],
        _ => [instruction.Next],
    };

    public static bool IsArgumentLoad(OpCode op) =>
        op == OpCodes.Ldarg_0 || op == OpCodes.Ldarg_1 || op == OpCodes.Ldarg_2 || op == OpCodes.Ldarg_3 || op == OpCodes.Ldarg_S || op == OpCodes.Ldarg;

    public static bool IsArgumentAddressOrStore(OpCode op) =>
        op == OpCodes.Ldarga_S || op == OpCodes.Ldarga || op == OpCodes.Starg_S || op == OpCodes.Starg;

    public static int PopCount(StackBehaviour behaviour) => behaviour switch
    {
        StackBehaviour.Pop0 => 0,
        StackBehaviour.Pop1 or StackBehaviour.Popi or StackBehaviour.Popref => 1,
        StackBehaviour.Pop1_pop1 or StackBehaviour.Popi_pop1 or StackBehaviour.Popi_popi or StackBehaviour.Popi_popi8
            or StackBehaviour.Popi_popr4 or StackBehaviour.Popi_popr8 or StackBehaviour.Popref_pop1 or StackBehaviour.Popref_popi => 2,
        StackBehaviour.Popi_popi_popi or StackBehaviour.Popref_popi_popi or StackBehaviour.Popref_popi_popi8 or StackBehaviour.Popref_popi_popr4
            or StackBehaviour.Popref_popi_popr8 or StackBehaviour.Popref_popi_popref or StackBehaviour.Popref_popi_pop1 => 3,
        _ => throw new NotSupportedException($"Stack behaviour {behaviour} is not analysed."),
    };

    public static int PushCount(StackBehaviour behaviour) => behaviour switch
    {
        StackBehaviour.Push0 => 0,
        StackBehaviour.Push1_push1 => 2,
        StackBehaviour.Push1 or StackBehaviour.Pushi or StackBehaviour.Pushi8 or StackBehaviour.Pushr4 or StackBehaviour.Pushr8 or StackBehaviour.Pushref => 1,
        _ => throw new NotSupportedException($"Stack behaviour {behaviour} is not analysed."),
    };
}
