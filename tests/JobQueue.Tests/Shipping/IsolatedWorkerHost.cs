using System.Reflection;
using JobQueue.Serialization;
using JobQueue.Submission;

namespace JobQueue.Tests.Shipping;

/// <summary>
/// A directory with only what a compute node has: the WorkerHost, JobQueue and JobQueue's own dependencies. None
/// of the tests' code, and none of their packages, is in it. Nor are the database drivers of checkpoints: only the
/// client opens those, so a node runs workers without them, and SQLite stays a package for these tests to ship.
/// </summary>
public sealed class IsolatedWorkerHost : IDisposable
{
    public IsolatedWorkerHost()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("jobqueue-isolated-").FullName;
        var source = Path.GetDirectoryName(WorkerHostLocation.EntryAssembly)!;
        foreach (var file in new[] { "WorkerHost.dll", "WorkerHost.runtimeconfig.json" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(Directory, file));
        }

        foreach (var assembly in JobQueueAndItsDependencies())
        {
            File.Copy(assembly.Location, Path.Combine(Directory, Path.GetFileName(assembly.Location)));
        }
    }

    public string Directory { get; }

    public string EntryAssembly => Path.Combine(Directory, "WorkerHost.dll");

    /// <summary>A fresh cache, so every file a worker needs must come from the coordinator.</summary>
    public string NewLocalDirectory() => System.IO.Directory.CreateDirectory(Path.Combine(Directory, "scratch-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static readonly string[] ClientOnlyPackages = ["Microsoft.Data.Sqlite", "SQLitePCLRaw", "Npgsql"];

    private static List<Assembly> JobQueueAndItsDependencies()
    {
        var found = new List<Assembly> { typeof(Cluster).Assembly };
        var seen = new HashSet<string> { typeof(Cluster).Assembly.GetName().Name! };
        for (var next = 0; next < found.Count; next++)
        {
            foreach (var reference in found[next].GetReferencedAssemblies()
                .Where(reference => seen.Add(reference.Name!) && !ClientOnlyPackages.Any(package => reference.Name!.StartsWith(package, StringComparison.Ordinal))))
            {
                try
                {
                    var assembly = Assembly.Load(reference);
                    if (!FrameworkAssemblies.IsSharedFramework(assembly))
                    {
                        found.Add(assembly);
                    }
                }
                catch (FileNotFoundException)
                {
                    // An optional dependency that this build does not have; the WorkerHost does not have it either.
                }
            }
        }

        return found;
    }
}
