using System.Collections.Concurrent;
using System.Reflection;

namespace JobQueue.Shipping;

/// <summary>
/// Images of assemblies that exist only in memory here (script cells), registered by name so their code can be
/// shipped like any other assembly.
/// </summary>
internal static class InMemoryAssemblies
{
    // Roslyn scripting names each cell's assembly "ℛ*<guid>#<engine>-<cell>".
    private const string ScriptCellPrefix = "\u211B*";

    private static readonly ConcurrentDictionary<string, byte[]> Images = new(StringComparer.Ordinal);

    public static bool Contains(string assemblyName) => Images.ContainsKey(assemblyName);

    public static void Register(string assemblyName, byte[] image) => Images.TryAdd(assemblyName, image);

    public static byte[]? ImageOf(AssemblyName name) => name.Name is { } simple ? Images.GetValueOrDefault(simple) : null;

    /// <summary>Why an assembly without a file cannot travel, and what to do.</summary>
    public static string WhyNotShippable(Assembly assembly) =>
        assembly.GetName().Name?.StartsWith(ScriptCellPrefix, StringComparison.Ordinal) == true
            ? "The function was defined in a script cell whose code was not registered: workers get a cell's code once the host has "
              + "called ScriptSubmissions.Register with that cell's state (after it ran) or compiled script (before it runs). In a host that "
              + "registers each cell after it has run, use the function from a later cell; a host that registers no cells at all needs "
              + "ScriptSubmissions.Register(state) after each one (see the README's .NET Interactive recipe)."
            : $"{assembly.GetName().Name} exists only in memory (dynamic, Reflection.Emit or loaded from bytes), so workers cannot load it; put the function in a compiled assembly.";
}
