using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace JobQueue.Tests.Packaging;

/// <summary>
/// A local folder feed with this repository's packages (JobQueue, JobQueue.Kernel), packed as a user packs them, and
/// a packages folder of its own for the programs that use them, so a JobQueue cached by an earlier run can never
/// stand in for this one. Shared by the tests of a class; deleted afterwards.
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    /// <summary>Bounds a dotnet command that hangs; restores, builds and runs here take well under a minute.</summary>
    public static readonly TimeSpan Hung = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("jobqueue-feed-");

    /// <summary>The folder holding the .nupkg files.</summary>
    public string FeedDirectory => Path.Combine(_root.FullName, "feed");

    /// <summary>NUGET_PACKAGES for every program that consumes the feed.</summary>
    public string PackagesFolder => Path.Combine(_root.FullName, "packages");

    /// <summary>The version of JobQueue in the feed, read from its nuspec.</summary>
    public string Version { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Build output goes under the feed's folder (--artifacts-path), so packing never touches the bin/ and obj/
        // folders that the test run and other tests build into.
        var artifacts = Path.Combine(_root.FullName, "artifacts");
        foreach (var project in new[] { "src/JobQueue/JobQueue.csproj", "src/JobQueue.Kernel/JobQueue.Kernel.csproj" })
        {
            await BuiltPrograms.RunDotnetAsync(
                ["pack", Path.Combine(BuiltPrograms.Repository, project), "--output", FeedDirectory, "--artifacts-path", artifacts], Hung);
        }

        Version = NuspecVersion(PackageFile("JobQueue"));
    }

    /// <summary>A new folder under the feed's, with a nuget.config that adds the feed to the machine's NuGet sources.</summary>
    public async Task<string> NewProjectFolderAsync(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root.FullName, name)).FullName;
        var config = new XDocument(new XElement("configuration", new XElement("packageSources",
            new XElement("add", new XAttribute("key", "jobqueue-local"), new XAttribute("value", FeedDirectory)))));
        await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), config.ToString());
        return folder;
    }

    /// <summary>Runs dotnet in <paramref name="workingDirectory"/> with the feed's packages folder; returns its standard output.</summary>
    public Task<string> DotnetAsync(string workingDirectory, params string[] arguments) =>
        BuiltPrograms.RunDotnetAsync(arguments, Hung, startInfo =>
        {
            startInfo.WorkingDirectory = workingDirectory;
            startInfo.Environment["NUGET_PACKAGES"] = PackagesFolder;
        });

    /// <summary>The source a package of the packages folder was restored from, as NuGet recorded it.</summary>
    public string RestoredFrom(string id, string version)
    {
        var metadata = Path.Combine(PackagesFolder, id.ToLowerInvariant(), version.ToLowerInvariant(), ".nupkg.metadata");
        return (string)JsonNode.Parse(File.ReadAllText(metadata))!["source"]!;
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The one package <paramref name="id"/> of the feed (JobQueue.0.1.0.nupkg, not JobQueue.Kernel.0.1.0.nupkg).</summary>
    private string PackageFile(string id)
    {
        var matches = Directory.GetFiles(FeedDirectory, $"{id}.*.nupkg").Where(file => char.IsAsciiDigit(Path.GetFileName(file)[id.Length + 1])).ToArray();
        Assert.True(matches.Length == 1, $"dotnet pack should have made one {id} package in {FeedDirectory}, not {matches.Length}");
        return matches[0];
    }

    private static string NuspecVersion(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        var nuspec = archive.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var document = XDocument.Load(stream);
        return document.Descendants().Single(element => element.Name.LocalName == "version").Value;
    }
}
