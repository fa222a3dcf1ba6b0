using System.Diagnostics;
using System.Runtime.Loader;
using System.Security.Cryptography;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Shipping;

/// <summary>
/// Another user of the node owns the directory where workers would keep fetched code, and keeps renaming a DLL of
/// their own, with the same assembly name, over the verified one. Only the client's code may ever run.
/// </summary>
public sealed class CacheHijackTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>, IDisposable
{
    private const int Rounds = 5;

    // Like /tmp: everyone may create in it, nobody may rename what another user made there.
    private readonly string _localDirectory = SharedScratch();

    [Fact]
    public async Task Code_renamed_over_a_cached_file_by_another_user_never_runs_in_fresh_workers()
    {
        Assert.True(Environment.UserName == "root", "the attacker runs as nobody through runuser, which needs root");
        var client = Directory.CreateTempSubdirectory("jobqueue-hijack-client-").FullName;
        var payload = CompiledAssemblies.Compile("Payload", "public static class Payload { public static int Next(int x) => x + 1; }", client);
        var caller = CompiledAssemblies.Compile("Caller", "public static class Caller { public static int Call(int x) => Payload.Next(x); }", client, payload);
        var marker = Path.Combine(_localDirectory, "foreign-code-ran");
        var foreign = ForeignPayload(marker);
        var call = LoadCaller(caller, payload);

        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(payload)));
        using var attacker = StartAttacker(foreign, hash);
        try
        {
            var planted = Path.Combine(_localDirectory, "jobqueue-root", "files", hash);
            await Eventually.HoldsAsync(() => File.Exists(planted), TimeSpan.FromSeconds(30), $"the attacker keeps its DLL at {planted}");
            for (var round = 0; round < Rounds; round++)
            {
                await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = $"hijack-{round}", LocalDirectory = _localDirectory })
                {
                    WorkerEntryAssembly = host.EntryAssembly,
                };

                Assert.Equal(Enumerable.Range(1, 20), await cluster.Gather(cluster.Map(call, Enumerable.Range(0, 20))));
                Assert.False(File.Exists(marker), $"the other user's Payload.dll ran in a worker in round {round + 1}");
            }
        }
        finally
        {
            attacker.Kill(entireProcessTree: true);
            await attacker.WaitForExitAsync();
        }

    }

    public void Dispose() => Directory.Delete(_localDirectory, recursive: true);

    private static string SharedScratch()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-hijack-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("1777", 8));
        return directory;
    }

    /// <summary>The attacker's Payload.dll: same name and version, but it leaves a marker when its code runs.</summary>
    private string ForeignPayload(string marker)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_localDirectory, "attacker")).FullName;
        var source = $$"""public static class Payload { public static int Next(int x) { System.IO.File.WriteAllText("{{marker}}", "foreign"); return x + 1; } }""";
        var path = CompiledAssemblies.Compile("Payload", source, directory);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    /// <summary>The client's function: in an assembly of its own that calls into the client's Payload.</summary>
    private static Func<int, int> LoadCaller(string caller, string payload)
    {
        // Payload is loaded first, as an application's dependencies are, so the client finds it among the context's assemblies.
        var context = new AssemblyLoadContext("hijack client", isCollectible: true);
        var loaded = context.LoadFromAssemblyPath(payload);
        context.Resolving += (_, name) => name.Name == "Payload" ? loaded : null;
        return context.LoadFromAssemblyPath(caller).GetType("Caller")!.GetMethod("Call")!.CreateDelegate<Func<int, int>>();
    }

    /// <summary>As nobody: makes the cache directory first, open to all, then keeps renaming its DLL over the verified file's name.</summary>
    private Process StartAttacker(string foreign, string payloadHash)
    {
        const string Script = """
            files="$1/jobqueue-root/files"
            mkdir -p "$files" && chmod 0777 "$1/jobqueue-root" "$files" || exit 1
            while :; do cp "$2" "$files/.attack" && mv -f "$files/.attack" "$files/$3"; done
            """;
        var start = new ProcessStartInfo("runuser", ["-u", "nobody", "--", "bash", "-c", Script, "attacker", _localDirectory, foreign, payloadHash])
        {
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }
}
