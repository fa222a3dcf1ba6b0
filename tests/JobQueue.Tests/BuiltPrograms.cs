namespace JobQueue.Tests;

/// <summary>Programs of this repository that the tests run: built with the tests (references without their assembly), or sources.</summary>
internal static class BuiltPrograms
{
    private static readonly string Output = AppContext.BaseDirectory.TrimEnd('/');

    /// <summary>The repository's root: the tests run from tests/JobQueue.Tests/bin/&lt;configuration&gt;/&lt;framework&gt;.</summary>
    public static string Repository { get; } = Path.GetFullPath(Path.Combine(Output, "..", "..", "..", "..", ".."));

    /// <summary>The entry assembly of the project in <paramref name="projectDirectory"/> (from the repository root), built as the tests were.</summary>
    public static string EntryAssembly(string projectDirectory, string assemblyName)
    {
        var (framework, configuration) = (Path.GetFileName(Output), Path.GetFileName(Path.GetDirectoryName(Output)!));
        return Path.Combine(Repository, projectDirectory, "bin", configuration, framework, assemblyName + ".dll");
    }
}
