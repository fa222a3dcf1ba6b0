using System.Reflection;
using System.Runtime.InteropServices;

namespace JobQueue.Execution.Shipping;

/// <summary>The shared framework (System.*, Microsoft.AspNetCore.*, …): every worker has its own, so it never travels.</summary>
internal static class FrameworkAssemblies
{
    // <dotnet>/shared/Microsoft.NETCore.App/<version>/ -> <dotnet>/shared/, which holds every shared framework.
    private static readonly string SharedDirectory =
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..")) + Path.DirectorySeparatorChar;

    public static bool Contains(Assembly assembly) =>
        assembly.Location is { Length: > 0 } location && location.StartsWith(SharedDirectory, StringComparison.Ordinal);
}
