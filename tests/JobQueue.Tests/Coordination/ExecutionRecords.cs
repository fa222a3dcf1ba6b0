namespace JobQueue.Tests.Coordination;

/// <summary>
/// Evidence of how often each item ran and where: one empty file per execution, named after the item and its place.
/// Appends to one shared file from several worker processes can overwrite each other: .NET appends by seeking to the
/// end, not with O_APPEND.
/// </summary>
internal static class ExecutionRecords
{
    public static void Record(string directory, int item, string where) =>
        File.WriteAllBytes(Path.Combine(directory, $"{item}_{where}_{Guid.NewGuid():N}"), []);

    public static IReadOnlyList<(int Item, string Where)> Read(string directory) =>
        Directory.GetFiles(directory)
            .Select(path => Path.GetFileName(path).Split('_'))
            .Select(parts => (int.Parse(parts[0]), parts[1]))
            .ToList();
}
