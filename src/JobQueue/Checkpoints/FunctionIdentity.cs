using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using JobQueue.Closures;

namespace JobQueue.Checkpoints;

/// <summary>
/// What a checkpoint's results were computed by, so that results of one function are never handed out as another's.
/// <para>
/// The hash covers the function's signature and the IL of its body and of every user method it reaches (calls,
/// delegates it creates, the state machines of async methods and iterators), with each metadata token replaced by
/// the name of what it refers to. Tokens are row numbers that shift whenever anything is added to the assembly, and
/// the numbers the C# compiler puts in lambda and closure names (<c>&lt;Main&gt;b__0_1</c>) shift when an unrelated
/// lambda is added to the class, so both are left out: an unrelated rebuild keeps the identity, a change to the code
/// the function runs changes it. Captured values are not part of it (they are data, like the items).
/// </para>
/// </summary>
/// <param name="Name">A readable name for messages, e.g. <c>Program.Main (lambda)</c>.</param>
/// <param name="Hash">Hex SHA-256 of the code, or of the user's explicit version.</param>
internal sealed partial record FunctionIdentity(string Name, string Hash)
{
    // Numbers in a name the compiler made (<Main>b__0_1, <>c__DisplayClass0_0, <>9__0_1): the digits after a <...>
    // part, up to the end of that identifier.
    [GeneratedRegex(@"(?<=<[^<>]*>[^,\[\]()+.`\s]*)\d+")]
    private static partial Regex CompilerOrdinals();

    // Reading the IL of everything a function reaches is done once per method.
    private static readonly ConditionalWeakTable<MethodInfo, string> CodeHashes = [];

    /// <summary>The identity of <paramref name="function"/>; an explicit <paramref name="version"/> stands for its code.</summary>
    public static FunctionIdentity Of(Delegate function, string? version)
    {
        var method = function.Method;
        var hash = version is null
            ? CodeHashes.GetValue(method, static method => Sha256Hex(Signature(method) + "\n" + CodeWriter.Code(method)))
            : Sha256Hex($"{Signature(method)}\nversion {version}");
        return new FunctionIdentity(ReadableName(method), hash);
    }

    /// <summary>The short form of <see cref="Hash"/> for messages.</summary>
    public string ShortHash => Hash[..12];

    private static string ReadableName(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is { DeclaringType: not null } && type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
        {
            type = type.DeclaringType;
        }

        var typeName = type?.FullName ?? type?.Name ?? "?";
        // <Main>b__0_1 is a lambda in Main; <Main>g__Square|0_0 is Main's local function Square; the outer name is
        // generated itself in a top-level program: <<Main>$>g__Square|0_0.
        if (method.Name.StartsWith('<') && ClosingBracket(method.Name) is > 0 and var end)
        {
            var outer = method.Name[1..end];
            var local = method.Name.IndexOf("g__", end, StringComparison.Ordinal) is > 0 and var start && method.Name.IndexOf('|', start) is > 0 and var bar
                ? "." + method.Name[(start + 3)..bar]
                : " (lambda)";
            return $"{typeName}.{outer}{local}";
        }

        return $"{typeName}.{method.Name}";
    }

    private static int ClosingBracket(string name)
    {
        var depth = 0;
        for (var i = 0; i < name.Length; i++)
        {
            depth += name[i] switch { '<' => 1, '>' => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Signature(MethodInfo method) =>
        $"{StableName(method.ReturnType)}({string.Join(", ", method.GetParameters().Select(parameter => StableName(parameter.ParameterType)))})";

    private static string StableName(Type type) => StableName(type.ToString());

    private static string StableName(string name) => CompilerOrdinals().Replace(name, "");

    /// <summary>Writes the token-free IL of a method and of the user methods it reaches, each once, in the order reached.</summary>
    private sealed class CodeWriter
    {
        private readonly StringBuilder _text = new();
        private readonly HashSet<MethodBase> _seen = [];
        private readonly Queue<MethodBase> _pending = new();

        public static string Code(MethodBase root)
        {
            var writer = new CodeWriter();
            writer.WriteFrom(root);
            return writer._text.ToString();
        }

        private void WriteFrom(MethodBase root)
        {
            Reach(root);
            while (_pending.TryDequeue(out var method))
            {
                _text.Append("method ").Append(StableName(method.DeclaringType!)).Append("::").Append(StableName(method.ToString()!)).Append('\n');
                Write(method);
                if (method.GetCustomAttribute<StateMachineAttribute>()?.StateMachineType.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } moveNext)
                {
                    Reach(moveNext);
                }
            }
        }

        private void Reach(MethodBase method)
        {
            var definition = method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : method;
            if (ClosurePruner.IsOutsideDotNetAndJobQueue(definition.Module.Assembly) && _seen.Add(definition))
            {
                _pending.Enqueue(definition);
            }
        }

        private void Write(MethodBase method)
        {
            if (method.GetMethodBody() is not { } body)
            {
                _text.Append("no body\n");
                return;
            }

            foreach (var local in body.LocalVariables)
            {
                _text.Append("local ").Append(StableName(local.LocalType)).Append('\n');
            }

            foreach (var clause in body.ExceptionHandlingClauses)
            {
                _text.Append("clause ").Append(clause.Flags).Append(' ').Append(clause.TryOffset).Append(' ').Append(clause.TryLength).Append(' ')
                    .Append(clause.HandlerOffset).Append(' ').Append(clause.HandlerLength).Append(' ')
                    .Append(clause.Flags == ExceptionHandlingClauseOptions.Clause ? StableName(clause.CatchType!) : clause.FilterOffset.ToString()).Append('\n');
            }

            var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            foreach (var instruction in IlReader.Read(body.GetILAsByteArray() ?? []))
            {
                _text.Append(instruction.OpCode.Name).Append(' ');
                _text.Append(instruction.OpCode.OperandType switch
                {
                    OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok =>
                        Member(method.Module, instruction.Token, typeArguments, methodArguments),
                    OperandType.InlineString => method.Module.ResolveString(instruction.Token),
                    OperandType.InlineSig => Convert.ToHexString(method.Module.ResolveSignature(instruction.Token)),
                    OperandType.InlineSwitch => string.Join(",", instruction.SwitchTargets),
                    _ => instruction.Operand.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }).Append('\n');
            }
        }

        private string Member(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
        {
            MemberInfo? member;
            try
            {
                member = module.ResolveMember(token, typeArguments, methodArguments);
            }
            catch (Exception exception) when (exception is ArgumentException or TypeLoadException or MissingMemberException or BadImageFormatException)
            {
                // What the code refers to cannot be loaded here, so the function cannot run here either; the opcode alone
                // stands for it.
                return "unresolved";
            }

            switch (member)
            {
                case MethodBase called:
                    Reach(called);
                    return $"{StableName(called.DeclaringType!)}::{StableName(called.ToString()!)}";
                case Type type:
                    return StableName(type);
                case { DeclaringType: { } declaring }:
                    return $"{StableName(declaring)}::{StableName(member.Name)}";
                default:
                    return member?.Name ?? "null";
            }
        }
    }
}
