using JobQueue.Execution.Shipping;

namespace JobQueue.Scripting;

/// <summary>
/// Lets workers run functions defined in C# script cells (REPLs, notebook kernels: anything built on Roslyn
/// scripting). Cells compile to assemblies that exist only in memory; call <see cref="Register"/> with the host's
/// script state after each cell, and a function defined in a cell can be used from the next ones.
/// </summary>
public static class ScriptSubmissions
{
    /// <summary>
    /// Registers the cells of <paramref name="scriptState"/> (a <c>Microsoft.CodeAnalysis.Scripting.ScriptState</c>) and of
    /// the states before it: each is compiled again, deterministically, into the same code, and shipped to the
    /// workers that need it. Cells already registered are skipped, so calling this after every cell is cheap.
    /// </summary>
    /// <remarks>
    /// The state is taken as <see cref="object"/> and used through its public members, so JobQueue works with the
    /// Roslyn version the host has loaded, whatever it is.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="scriptState"/> is not a Roslyn script state.</exception>
    /// <exception cref="InvalidOperationException">A cell does not compile again (it did once, so this is a Roslyn quirk to report).</exception>
    public static void Register(object scriptState)
    {
        ArgumentNullException.ThrowIfNull(scriptState);
        if (scriptState.GetType().GetProperty("Script") is null)
        {
            throw new ArgumentException(
                $"Register takes the host's Microsoft.CodeAnalysis.Scripting.ScriptState (what CSharpScript.RunAsync and ContinueWithAsync return), not a {scriptState.GetType().Name}.",
                nameof(scriptState));
        }

        for (dynamic? script = ((dynamic)scriptState).Script; script is not null; script = script.Previous)
        {
            dynamic compilation = script.GetCompilation();
            string name = compilation.AssemblyName;
            if (InMemoryAssemblies.Contains(name))
            {
                break;
            }

            InMemoryAssemblies.Register(name, Emit(compilation));
        }
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
