using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace JobQueue.Tests.Shipping;

/// <summary>Small assemblies the tests compile from source, so that two builds can share a name but not their code.</summary>
internal static class CompiledAssemblies
{
    /// <summary>Compiles <paramref name="source"/> into <c>&lt;directory&gt;/&lt;name&gt;.dll</c> (version 1.0.0.0, deterministic) and returns its path.</summary>
    public static string Compile(string name, string source, string directory, params string[] referencePaths)
    {
        var compilation = CSharpCompilation.Create(
            name, [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), .. referencePaths.Select(path => MetadataReference.CreateFromFile(path))],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true));
        var path = Path.Combine(directory, name + ".dll");
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return path;
    }
}
