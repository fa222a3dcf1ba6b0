using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;

namespace JobQueue.Tests.Shipping;

/// <summary>Delegates a worker cannot load are refused at the call, saying what they are and what to pass instead.</summary>
public sealed class UnsupportedFunctionTests
{
    public static TheoryData<string, string[]> Unsupported => new()
    {
        { "DynamicMethod", ["made at run time", "DynamicMethod", "pass a lambda or a method instead"] },
        { "compiled expression tree", ["made at run time", "compiled expression tree", "pass a lambda or a method instead"] },
        { "interpreted expression tree", ["part of .NET itself (or an interpreted expression tree)", "wrap the call in a lambda of your own"] },
        { "dynamic assembly", ["Twice was made at run time", "Reflection.Emit", "pass a lambda or a method instead"] },
        { "multicast", ["multicast delegate cannot run on a worker", "pass one method or lambda"] },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public async Task Map_refuses_the_function_with_what_is_unsupported_and_what_to_do(string kind, string[] explanation)
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "unsupported" });
        var function = Function(kind);

        var error = Assert.Throws<ArgumentException>(() => cluster.Map(function, [1, 2, 3]));

        Assert.Equal("function", error.ParamName);
        Assert.All(explanation, part => Assert.Contains(part, error.Message));
    }

    [Fact]
    public async Task Submit_refuses_a_multicast_delegate()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "unsupported-submit" });
        Func<int> one = () => 1;
        Func<int> two = () => 2;

        var error = Assert.Throws<ArgumentException>(() => cluster.Submit(one + two));

        Assert.Contains("multicast delegate cannot run on a worker: pass one method or lambda", error.Message);
    }

    private static Func<int, int> Function(string kind)
    {
        var x = Expression.Parameter(typeof(int), "x");
        var twice = Expression.Lambda<Func<int, int>>(Expression.Multiply(x, Expression.Constant(2)), x);
        Func<int, int> plusOne = value => value + 1;
        return kind switch
        {
            "DynamicMethod" => DynamicTwice(),
            "compiled expression tree" => twice.Compile(),
            "interpreted expression tree" => twice.Compile(preferInterpretation: true),
            "dynamic assembly" => EmittedTwice(),
            "multicast" => plusOne + twice.Compile(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static Func<int, int> DynamicTwice()
    {
        var method = new DynamicMethod("Twice", typeof(int), [typeof(int)], typeof(UnsupportedFunctionTests).Module);
        EmitTwice(method.GetILGenerator());
        return method.CreateDelegate<Func<int, int>>();
    }

    private static Func<int, int> EmittedTwice()
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("JobQueue.Tests.Emitted"), AssemblyBuilderAccess.Run);
        var type = assembly.DefineDynamicModule("Emitted").DefineType("Doubler", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Abstract);
        EmitTwice(type.DefineMethod("Twice", MethodAttributes.Public | MethodAttributes.Static, typeof(int), [typeof(int)]).GetILGenerator());
        return type.CreateType().GetMethod("Twice")!.CreateDelegate<Func<int, int>>();
    }

    private static void EmitTwice(ILGenerator il)
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_2);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Ret);
    }
}
