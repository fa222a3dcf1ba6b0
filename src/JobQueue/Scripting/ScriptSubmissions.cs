using JobQueue.Shipping;

namespace JobQueue.Scripting;

/// <summary>
/// Lets workers run functions defined in C# script cells (REPLs, notebook kernels: anything built on Roslyn
/// scripting). Cells compile to assemblies that exist only in memory; call <see cref="Register"/> with the host's
/// script state after each cell, and a function defined in a cell can be used from the next ones.
/// </summary>
public static class ScriptSubmissions
{
    /// <summary>
    /// Registers the cells of <paramref name="scriptState"/> (a <c>Microsoft.CodeAnalysis.Scripting.ScriptState</c>, or
    /// a compiled <c>Script</c> not run yet) and of the cells before it: each is compiled again, deterministically, into
    /// the same code, and shipped to the workers that need it. Cells already registered, and cells without code (only
    /// <c>#r</c> or <c>#load</c> directives, say), are skipped, so calling this after every cell is cheap. A host that
    /// registers a compiled <c>Script</c> before running it lets the cell use its own functions on the workers.
    /// </summary>
    /// <remarks>
    /// The state is taken as <see cref="object"/> and used through its public members, so JobQueue works with the
    /// Roslyn version the host has loaded, whatever it is.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="scriptState"/> is neither a Roslyn script state nor a script.</exception>
    /// <exception cref="InvalidOperationException">A cell does not compile again (it did once, so this is a Roslyn quirk to report).</exception>
    public static void Register(object scriptState)
    {
        ArgumentNullException.ThrowIfNull(scriptState);
        var type = scriptState.GetType();
        dynamic? script = type.GetProperty("Script") is not null ? ((dynamic)scriptState).Script
            : type.GetMethod("GetCompilation", Type.EmptyTypes) is not null && type.GetProperty("Previous") is not null ? scriptState
            : throw new ArgumentException(
                $"Register takes the host's Microsoft.CodeAnalysis.Scripting.ScriptState (what CSharpScript.RunAsync and ContinueWithAsync return) or Script, not a {type.Name}.",
                nameof(scriptState));

        for (; script is not null; script = script.Previous)
        {
            dynamic compilation = script.GetCompilation();
            string name = compilation.AssemblyName;
            if (InMemoryAssemblies.Contains(name))
            {
                break;
            }

            if (HasCode(compilation))
            {
                InMemoryAssemblies.Register(name, Emit(compilation));
            }
        }
    }

    // Roslyn emits no assembly for a cell whose syntax trees (its own and those it #loads) declare nothing: there is
    // no code to ship, and emitting it again would fail without a diagnostic.
    private static bool HasCode(dynamic compilation)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            if ((int)tree.GetRoot().Members.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    // The host emitted the cell already, but keeps no bytes; a deterministic build of the same compilation has the
    // same metadata tokens, so the workers' copy has the methods the host's delegates point at.
    private static byte[] Emit(dynamic compilation)
    {
        dynamic deterministic = compilation.WithOptions(compilation.Options.WithDeterministic(true));
        using var image = new MemoryStream();
        dynamic result = deterministic.Emit(image);
        if (!(bool)result.Success)
        {
            throw new InvalidOperationException($"Script cell {compilation.AssemblyName} did not compile again: {string.Join("; ", result.Diagnostics)}");
        }

        return image.ToArray();
    }
}
