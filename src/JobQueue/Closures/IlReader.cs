using System.Buffers.Binary;
using System.Reflection.Emit;

namespace JobQueue.Closures;

/// <summary>
/// One decoded IL instruction. <c>Operand</c> is the inline token, argument index or constant, or the absolute
/// branch target; <c>SwitchTargets</c> holds a switch's absolute targets; <c>Next</c> is the following offset.
/// </summary>
internal readonly record struct IlInstruction(int Offset, OpCode OpCode, long Operand, int[] SwitchTargets, int Next)
{
    public int Token => (int)Operand;
}

/// <summary>Decodes a method body's IL bytes into instructions, using the opcode table of System.Reflection.Emit.</summary>
internal static class IlReader
{
    private const byte TwoByteOpCodePrefix = 0xFE;

    private static readonly OpCode?[] OneByteOpCodes = new OpCode?[256];
    private static readonly OpCode?[] TwoByteOpCodes = new OpCode?[256];

    static IlReader()
    {
        foreach (var field in typeof(OpCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            if (field.GetValue(null) is OpCode opCode)
            {
                var table = opCode.Size == 1 ? OneByteOpCodes : TwoByteOpCodes;
                table[(ushort)opCode.Value & 0xFF] = opCode;
            }
        }
    }

    /// <exception cref="InvalidProgramException">The bytes are not valid IL.</exception>
    public static List<IlInstruction> Read(ReadOnlySpan<byte> il)
    {
        var instructions = new List<IlInstruction>();
        var position = 0;
        while (position < il.Length)
        {
            var offset = position;
            var first = il[position++];
            var opCode = first == TwoByteOpCodePrefix ? Table(TwoByteOpCodes, il, position++) : OneByteOpCodes[first];
            if (opCode is not { } op)
            {
                throw new InvalidProgramException($"Unknown IL opcode 0x{first:x2} at offset {offset}.");
            }

            var operandSize = OperandSize(op.OperandType, il, position);
            if (operandSize < 0 || position + operandSize > il.Length)
            {
                throw new InvalidProgramException($"IL ends inside the operand of {op.Name} at offset {offset}.");
            }

            var operandBytes = il.Slice(position, operandSize);
            var next = position + operandSize;
            var operand = Operand(op.OperandType, operandBytes, next);
            var switchTargets = op.OperandType == OperandType.InlineSwitch ? SwitchTargets(operandBytes, next) : [];
            instructions.Add(new IlInstruction(offset, op, operand, switchTargets, next));
            position = next;
        }

        return instructions;
    }

    private static OpCode? Table(OpCode?[] table, ReadOnlySpan<byte> il, int position) =>
        position < il.Length ? table[il[position]] : throw new InvalidProgramException("IL ends inside a two-byte opcode.");

    private static int OperandSize(OperandType type, ReadOnlySpan<byte> il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch when position + 4 <= il.Length =>
            checked(4 + (4 * BinaryPrimitives.ReadInt32LittleEndian(il[position..]))),
        OperandType.InlineSwitch => throw new InvalidProgramException("IL ends inside a switch."),
        _ => 4,
    };

    private static long Operand(OperandType type, ReadOnlySpan<byte> bytes, int next) => type switch
    {
        OperandType.InlineNone or OperandType.InlineSwitch => 0,
        OperandType.ShortInlineBrTarget => next + (sbyte)bytes[0],
        OperandType.ShortInlineI => (sbyte)bytes[0],
        OperandType.ShortInlineVar => bytes[0],
        OperandType.InlineVar => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        OperandType.InlineBrTarget => next + BinaryPrimitives.ReadInt32LittleEndian(bytes),
        OperandType.InlineI8 or OperandType.InlineR => BinaryPrimitives.ReadInt64LittleEndian(bytes),
        _ => BinaryPrimitives.ReadInt32LittleEndian(bytes),
    };

    private static int[] SwitchTargets(ReadOnlySpan<byte> bytes, int next)
    {
        var targets = new int[(bytes.Length / 4) - 1];
        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] = next + BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 + (4 * i))..]);
        }

        return targets;
    }
}
