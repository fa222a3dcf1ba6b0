using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using JobQueue.Tests.Kernel;
using static JobQueue.Tests.Kernel.KernelProtocolTests;

namespace JobQueue.Tests.Packaging;

/// <summary>
/// JobQueue used as a user outside this repository uses it: from packages that dotnet pack made into a local feed,
/// in a fresh console app (built, run, published), in a file-based app, and the kernel as a dotnet tool. They run
/// with the kernel tests, one at a time: each builds and starts worker processes on a two-core machine.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class PackageTests(LocalFeed feed) : IClassFixture<LocalFeed>
{
    /// <summary>A Map whose lambda captures a local, and proof that it ran in the worker processes, not this one.</summary>
    private const string MapProgram = """
        using JobQueue;

        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
        var offset = int.Parse(args[0]);
        var results = await cluster.Gather(cluster.Map((int x) => (x * x) + offset, Enumerable.Range(0, 10)));
        var processes = await cluster.Gather(cluster.Map((int _) => Environment.ProcessId, Enumerable.Range(0, 4)));
        Console.WriteLine($"results: {string.Join(' ', results)}");
        Console.WriteLine($"ran in this process: {processes.Contains(Environment.ProcessId)}");
        """;

    [Fact]
    public async Task A_fresh_console_app_adds_JobQueue_from_the_feed_and_maps_on_workers_when_run_and_when_published()
    {
        var app = await feed.NewProjectFolderAsync("console");
        await feed.DotnetAsync(app, "new", "console", "--name", "PackageConsumer", "--output", ".", "--no-restore");
        await feed.DotnetAsync(app, "add", "package", "JobQueue", "--version", feed.Version);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), MapProgram);

        var run = await feed.DotnetAsync(app, "run", "--", "7");

        AssertMapRanOnWorkers(run, "results: 7 8 11 16 23 32 43 56 71 88");
        Assert.Equal(feed.FeedDirectory, feed.RestoredFrom("JobQueue", feed.Version));

        var published = Path.Combine(app, "published");
        await feed.DotnetAsync(app, "publish", "--output", published);
        Assert.True(File.Exists(Path.Combine(published, "WorkerHost.dll")), "publish left WorkerHost.dll out");
        Assert.Equal(["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"], await FrameworksAsync(Path.Combine(published, "WorkerHost.runtimeconfig.json")));
        // The package's framework reference reaches the program: JobQueue's coordinator runs on ASP.NET Core.
        Assert.Equal(["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"], await FrameworksAsync(Path.Combine(published, "PackageConsumer.runtimeconfig.json")));

        var fromPublished = await feed.DotnetAsync(published, Path.Combine(published, "PackageConsumer.dll"), "1");

        AssertMapRanOnWorkers(fromPublished, "results: 1 2 5 10 17 26 37 50 65 82");
    }

    [Fact]
    public async Task A_file_based_app_names_the_package_with_a_package_directive_and_maps_on_workers()
    {
        var folder = await feed.NewProjectFolderAsync("file-based");
        // As the README shows it: PublishAot=false, since workers need the app's code as an assembly, not native code.
        await File.WriteAllTextAsync(
            Path.Combine(folder, "squares.cs"),
            $"#:package JobQueue@{feed.Version}\n#:property PublishAot=false\n{MapProgram}");

        var output = await feed.DotnetAsync(folder, "run", "squares.cs", "--artifacts-path", Path.Combine(folder, "artifacts"), "--", "2");

        AssertMapRanOnWorkers(output, "results: 2 3 6 11 18 27 38 51 66 83");
        Assert.Equal(feed.FeedDirectory, feed.RestoredFrom("JobQueue", feed.Version));
    }

    /// <summary>
    /// On linux-x64, dotnet tool install takes the kernel's precompiled package; its command is then a link into the
    /// tool's versioned store, and the kernelspec names the link, which outlives the store path of an update, but no
    /// link from elsewhere.
    /// </summary>
    [JupyterFact]
    public async Task The_kernel_tool_installs_from_the_feed_writes_its_kernelspec_and_runs_a_map_in_a_cell()
    {
        var folder = await feed.NewProjectFolderAsync("tool");
        var tools = Path.Combine(folder, "tools");
        await feed.DotnetAsync(folder, "tool", "install", "JobQueue.Kernel", "--version", feed.Version, "--tool-path", tools, "--add-source", feed.FeedDirectory);
        var command = Path.Combine(tools, "jobqueue-kernel");
        var installed = Path.GetDirectoryName(File.ResolveLinkTarget(command, returnFinalTarget: true)?.FullName ?? command)!;
        foreach (var assembly in (string[])["JobQueue.Kernel.dll", "JobQueue.dll", "Microsoft.CodeAnalysis.CSharp.dll", "Grpc.Net.Client.dll"])
        {
            Assert.True(
                IsReadyToRun(Path.Combine(installed, assembly)) == (RuntimeInformation.RuntimeIdentifier == "linux-x64"),
                $"{assembly} in {installed} should carry precompiled code on linux-x64, and only there");
        }

        using var jupyter = new Jupyter();
        var kernelJson = Path.Combine(jupyter.KernelsDirectory, Jupyter.KernelName, "kernel.json");

        // A link to the kernel from a folder that is not the tool's (one another user could repoint later) is not
        // written into the kernelspec: the kernel names its own program instead.
        var elsewhere = Directory.CreateTempSubdirectory("jobqueue-elsewhere-");
        try
        {
            var program = File.ResolveLinkTarget(command, returnFinalTarget: true)?.FullName ?? command;
            var foreign = File.CreateSymbolicLink(Path.Combine(elsewhere.FullName, "jobqueue-kernel"), program).FullName;
            var (foreignCode, foreignOutput, foreignErrors) = await jupyter.RunAsync(foreign, ["install", "--user"], input: null);
            Assert.True(foreignCode == 0, $"jobqueue-kernel install through {foreign} exited with {foreignCode}: {foreignOutput} {foreignErrors}");
            Assert.Equal(program, (string)JsonNode.Parse(await File.ReadAllTextAsync(kernelJson))!["argv"]![0]!);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }

        var (code, output, errors) = await jupyter.RunAsync(command, ["install", "--user"], input: null);

        Assert.True(code == 0, $"jobqueue-kernel install exited with {code}: {output} {errors}");
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(kernelJson))!;
        Assert.Equal([command, "start", "{connection_file}"], spec["argv"]!.AsArray().Select(part => (string)part!));

        var (results, log) = await jupyter.DriveAsync(
        [
            Execute("var cluster = new LocalCluster(new LocalOptions { Workers = 1 });\nvar k = 3;\n"
                + "string.Join(\" \", await cluster.Gather(cluster.Map((int x) => x * k, Enumerable.Range(0, 5))))"),
            new JsonObject { ["shutdown"] = true },
        ]);

        Assert.True(Value(results[0]!) == "0 3 6 9 12", $"{results[0]} {log}");
    }

    private static bool IsReadyToRun(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(assembly));
        return reader.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0;
    }

    private static void AssertMapRanOnWorkers(string output, string results)
    {
        Assert.Contains(results, output);
        Assert.Contains("ran in this process: False", output);
    }

    private static async Task<string[]> FrameworksAsync(string runtimeConfig)
    {
        var frameworks = JsonNode.Parse(await File.ReadAllTextAsync(runtimeConfig))!["runtimeOptions"]!["frameworks"]!.AsArray();
        return [.. frameworks.Select(framework => (string)framework!["name"]!)];
    }
}
