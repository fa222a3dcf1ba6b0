namespace JobQueue.Tests;

/// <summary>Programs of this repository that the test project builds (references without their assembly) and runs.</summary>
internal static class BuiltPrograms
{
    /// <summary>The entry assembly of the project in <paramref name="projectDirectory"/> (from the repository root), built as the tests were.</summary>
    public static string EntryAssembly(string projectDirectory, string assemblyName)
    {
        var output = AppContext.BaseDirectory.TrimEnd('/');
        var (framework, configuration) = (Path.GetFileName(output), Path.GetFileName(Path.GetDirectoryName(output)!));
        var repository = Path.GetFullPath(Path.Combine(output, "..", "..", "..", "..", ".."));
        return Path.Combine(repository, projectDirectory, "bin", configuration, framework, assemblyName + ".dll");
    }
}
