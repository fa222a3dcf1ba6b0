using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using JobQueue.Protocol;
using JobQueue.Serialization;

namespace JobQueue.Shipping;

/// <summary>
/// The files a worker needs to run code from an assembly: the assembly, every assembly it uses outside the shared
/// framework and JobQueue (found through its references, as the assembly's own load context resolves them), and the
/// native libraries of the packages those come from. Built once per assembly.
/// </summary>
internal sealed record CodeManifest(IReadOnlyList<ShippedFile> Assemblies, IReadOnlyList<ShippedFile> NativeLibraries)
{
    private static readonly ConditionalWeakTable<Assembly, CodeManifest> Manifests = [];

    /// <exception cref="ArgumentException">An assembly exists only in memory and was not registered with its image.</exception>
    public static CodeManifest For(Assembly root) => Manifests.GetValue(root, Build);

    private static CodeManifest Build(Assembly root)
    {
        var referenced = UsedAssemblies(root);
        var packages = PackageAssets.For(root, referenced.Skip(1).ToArray());
        var names = referenced.Select(assembly => assembly.GetName().Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var assemblies = referenced.Select(Ship)
            .Concat(packages.Assemblies
                .Where(path => names.Add(Path.GetFileNameWithoutExtension(path)))
                .Select(path => ShippedFiles.AddFile(path, Path.GetFileNameWithoutExtension(path))));
        return new CodeManifest(
            assemblies.ToArray(),
            packages.NativeLibraries.Select(path => ShippedFiles.AddFile(path, Path.GetFileName(path))).ToArray());
    }

    private static List<Assembly> UsedAssemblies(Assembly root)
    {
        var context = AssemblyLoadContext.GetLoadContext(root) ?? AssemblyLoadContext.Default;
        var used = new List<Assembly> { root };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { root.GetName().Name! };
        for (var next = 0; next < used.Count; next++)
        {
            foreach (var reference in used[next].GetReferencedAssemblies())
            {
                if (!seen.Add(reference.Name!) || TryLoad(context, reference) is not { } assembly || !NeedsShipping(assembly))
                {
                    continue;
                }

                used.Add(assembly);
            }
        }

        return used;
    }

    // A reference that does not resolve here is one the code does not reach on this machine either. Script cells
    // are found among the context's assemblies: they were loaded from bytes and cannot be loaded by name.
    private static Assembly? TryLoad(AssemblyLoadContext context, AssemblyName reference)
    {
        try
        {
            return context.Assemblies.FirstOrDefault(loaded => loaded.GetName().Name == reference.Name) ?? context.LoadFromAssemblyName(reference);
        }
        catch (Exception exception) when (exception is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    private static bool NeedsShipping(Assembly assembly) =>
        !assembly.IsDynamic && assembly != typeof(CodeManifest).Assembly && !FrameworkAssemblies.IsSharedFramework(assembly);

    private static ShippedFile Ship(Assembly assembly)
    {
        var name = assembly.GetName();
        return assembly is { IsDynamic: false, Location.Length: > 0 } ? ShippedFiles.AddFile(assembly.Location, name.Name!)
            : InMemoryAssemblies.ImageOf(name) is { } image ? ShippedFiles.AddContent(name.Name!, image)
            : throw new ArgumentException(InMemoryAssemblies.WhyNotShippable(assembly));
    }
}
