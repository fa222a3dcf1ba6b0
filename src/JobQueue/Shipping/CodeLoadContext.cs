using System.Reflection;
using System.Runtime.Loader;
using JobQueue.Protocol;

namespace JobQueue.Shipping;

/// <summary>
/// One version of the user's code on a worker: the assemblies and native libraries a function definition names,
/// loaded from verified copies of the node's cache into a load context of their own, so two builds of an assembly never meet.
/// JobQueue and the shared framework always come from the default context. Collectible, so the runtime can unload
/// a version nothing refers to any more.
/// </summary>
internal sealed class CodeLoadContext : AssemblyLoadContext
{
    private static readonly Lock VersionsLock = new();
    private static readonly Dictionary<string, CodeLoadContext> Versions = [];
    private static readonly string JobQueueName = typeof(CodeLoadContext).Assembly.GetName().Name!;

    private readonly FileCache _cache;
    private readonly Dictionary<string, ShippedFile> _assemblies;
    private readonly Dictionary<string, ShippedFile> _nativeLibraries;

    private CodeLoadContext(string name, FunctionDefinition definition, FileCache cache)
        : base(name, isCollectible: true)
    {
        _cache = cache;
        _assemblies = definition.Assemblies.Where(file => file.Name != JobQueueName).ToDictionary(file => file.Name, StringComparer.OrdinalIgnoreCase);
        _nativeLibraries = definition.NativeLibraries.ToDictionary(file => file.Name, StringComparer.Ordinal);
        UserAssemblies = definition.Assemblies.Select(file => LoadFromAssemblyName(new AssemblyName { Name = file.Name })).ToArray();
    }

    /// <summary>The assemblies the definition ships, the function's own first.</summary>
    public IReadOnlyList<Assembly> UserAssemblies { get; }

    /// <summary>The context of the definition's code version, made on first use; its files must be in the cache.</summary>
    public static CodeLoadContext For(FunctionDefinition definition, FileCache cache)
    {
        var version = string.Join(",", definition.Assemblies.Concat(definition.NativeLibraries).Select(file => Convert.ToHexStringLower(file.Sha256.Span)));
        lock (VersionsLock)
        {
            if (!Versions.TryGetValue(version, out var context))
            {
                var root = definition.Assemblies[0];
                context = new CodeLoadContext($"{root.Name} {Convert.ToHexStringLower(root.Sha256.Span)[..12]}", definition, cache);
                Versions[version] = context;
            }

            return context;
        }
    }

    // From bytes checked after they were read, never from a path whose file could change between check and load.
    protected override Assembly? Load(AssemblyName assemblyName) =>
        assemblyName.Name is { } name && _assemblies.TryGetValue(name, out var file) ? LoadFromStream(new MemoryStream(_cache.ReadVerified(file))) : null;

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        // DllImport("e_sqlite3") means libe_sqlite3.so here; a package ships the file under its platform's name.
        string[] candidates = [unmanagedDllName, $"lib{unmanagedDllName}.so", $"{unmanagedDllName}.so", $"lib{unmanagedDllName}.dylib", $"{unmanagedDllName}.dll"];
        return candidates.Select(candidate => _nativeLibraries.GetValueOrDefault(candidate)).FirstOrDefault(file => file is not null) is { } found
            ? LoadUnmanagedDllFromPath(_cache.PrivateCopyOf(found))
            : IntPtr.Zero;
    }
}
