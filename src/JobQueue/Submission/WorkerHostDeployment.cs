using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace JobQueue.Submission;

/// <summary>
/// The WorkerHost and the assemblies it needs (those of its reference closure found next to it), copied to
/// <c>~/.jobqueue/workerhost/&lt;content hash&gt;</c> on a remote host when that directory does not exist yet.
/// </summary>
internal static class WorkerHostDeployment
{
    /// <summary>Makes sure the WorkerHost is on the remote side; returns the remote path of WorkerHost.dll.</summary>
    public static async Task<string> EnsureDeployedAsync(IRemoteRunner remote, CancellationToken cancellationToken)
    {
        const string marker = ".complete";
        WorkerHostLocation.EnsureExists();
        var files = Files();
        var directory = $"{await remote.HomeDirectoryAsync(cancellationToken).ConfigureAwait(false)}/.jobqueue/workerhost/{await HashAsync(files, cancellationToken).ConfigureAwait(false)}";
        if (!await remote.FileExistsAsync($"{directory}/{marker}", cancellationToken).ConfigureAwait(false))
        {
            await remote.UploadDirectoryAsync(directory, files, marker, cancellationToken).ConfigureAwait(false);
        }

        return $"{directory}/{Path.GetFileName(WorkerHostLocation.EntryAssembly)}";
    }

    /// <summary>WorkerHost.dll, its runtime configuration, JobQueue.dll and every assembly of their reference closure in their directory.</summary>
    internal static IReadOnlyList<string> Files()
    {
        var directory = Path.GetDirectoryName(WorkerHostLocation.EntryAssembly)!;
        var found = new SortedSet<string>(StringComparer.Ordinal);
        // WorkerHost loads JobQueue by name, without a compile-time reference.
        var pending = new Stack<string>([WorkerHostLocation.EntryAssembly, Path.Combine(directory, $"{typeof(WorkerHostDeployment).Assembly.GetName().Name}.dll")]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.Add(assembly))
            {
                continue;
            }

            using var stream = File.OpenRead(assembly);
            using var reader = new PEReader(stream);
            var metadata = reader.GetMetadataReader();
            foreach (var handle in metadata.AssemblyReferences)
            {
                var referenced = Path.Combine(directory, $"{metadata.GetString(metadata.GetAssemblyReference(handle).Name)}.dll");
                if (File.Exists(referenced))
                {
                    pending.Push(referenced);
                }
            }
        }

        var runtimeConfig = Path.ChangeExtension(WorkerHostLocation.EntryAssembly, ".runtimeconfig.json");
        return [.. found, runtimeConfig];
    }

    private static async Task<string> HashAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\0"));
            hash.AppendData(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
