using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyModel;

namespace JobQueue.Shipping;

/// <summary>
/// What the NuGet packages behind some assemblies bring along, read from the dependency manifest (.deps.json) of the
/// application: the packages the assemblies come from, the packages those depend on, and their files for this
/// platform. This finds what references alone miss: native libraries (SQLite's e_sqlite3) and assemblies loaded
/// by name at run time (SQLitePCLRaw's batteries).
/// </summary>
internal sealed record PackageAssets(IReadOnlyList<string> Assemblies, IReadOnlyList<string> NativeLibraries)
{
    /// <summary>The package files <paramref name="assemblies"/> need, as the manifest beside <paramref name="application"/> lists them.</summary>
    public static PackageAssets For(Assembly application, IReadOnlyCollection<Assembly> assemblies)
    {
        var context = (application.Location.Length > 0 ? DependencyContext.Load(application) : null) ?? DependencyContext.Default;
        if (context is null || assemblies.Count == 0)
        {
            return new PackageAssets([], []);
        }

        var directories = new[] { Path.GetDirectoryName(application.Location), AppContext.BaseDirectory }.OfType<string>().Distinct().ToArray();
        var libraries = context.RuntimeLibraries.ToDictionary(library => library.Name, StringComparer.OrdinalIgnoreCase);
        var names = assemblies.Select(assembly => assembly.GetName().Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var owners = context.RuntimeLibraries.Where(library =>
            library.Type == "package" && library.RuntimeAssemblyGroups.SelectMany(group => group.AssetPaths).Any(path => names.Contains(Path.GetFileNameWithoutExtension(path))));
        var pending = new Stack<RuntimeLibrary>(owners.Concat(MetaPackagesOf(owners, context)));
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        List<string> managed = [], native = [];
        while (pending.TryPop(out var library))
        {
            if (!visited.Add(library.Name))
            {
                continue;
            }

            managed.AddRange(FilesFor(library.RuntimeAssemblyGroups, directories));
            native.AddRange(FilesFor(library.NativeLibraryGroups, directories));
            foreach (var dependency in library.Dependencies)
            {
                if (libraries.TryGetValue(dependency.Name, out var next) && next.Type == "package")
                {
                    pending.Push(next);
                }
            }
        }

        return new PackageAssets(managed, native);
    }

    // A package without assemblies of its own (Microsoft.Data.Sqlite) only gathers others: the one that holds the
    // assembly (Microsoft.Data.Sqlite.Core) and the ones it is meant to run with (the SQLite bundle).
    private static IEnumerable<RuntimeLibrary> MetaPackagesOf(IEnumerable<RuntimeLibrary> owners, DependencyContext context)
    {
        var ownerNames = owners.Select(library => library.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return context.RuntimeLibraries.Where(library => library.Type == "package" && library.RuntimeAssemblyGroups.Count == 0
            && library.Dependencies.Any(dependency => ownerNames.Contains(dependency.Name)));
    }

    private static IEnumerable<string> FilesFor(IReadOnlyList<RuntimeAssetGroup> groups, string[] directories)
    {
        var group = PlatformNames()
            .Select(platform => groups.FirstOrDefault(candidate => candidate.Runtime == platform))
            .FirstOrDefault(candidate => candidate is not null);
        return group is null ? [] : group.AssetPaths.Select(path => Locate(path, directories)).OfType<string>();
    }

    // Most specific first, as the host picks them: linux-x64, linux, unix, then files for any platform.
    private static IEnumerable<string> PlatformNames()
    {
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : "win";
        var architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        return [RuntimeInformation.RuntimeIdentifier, $"{os}-{architecture}", os, "unix", ""];
    }

    // A build output keeps platform files under their package path (runtimes/linux-x64/native/…) and puts the rest
    // flat beside the application; the host also lists where it looks for native files.
    private static string? Locate(string assetPath, string[] directories)
    {
        var nativeDirectories = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.SelectMany(directory => new[] { Path.Combine(directory, assetPath), Path.Combine(directory, Path.GetFileName(assetPath)) })
            .Concat(nativeDirectories.Select(directory => Path.Combine(directory, Path.GetFileName(assetPath))))
            .FirstOrDefault(File.Exists);
    }
}
