using System.Reflection;
using System.Runtime.CompilerServices;

namespace JobQueue.Execution.Serialization;

/// <summary>
/// Tells the .NET framework's assemblies from the user's: a framework type is data only if the codec knows it by
/// name, while a user type may travel as fields.
/// </summary>
internal static class FrameworkAssemblies
{
    // The shared framework directories (Microsoft.NETCore.App, Microsoft.AspNetCore.App, ...) sit side by side.
    private static readonly string? SharedRoot = SharedFrameworkRoot();

    // Self-contained apps carry the framework beside themselves, so their location proves nothing; the signing key
    // does. Microsoft's NuGet packages (Microsoft.Extensions.Logging, ...) share these keys and count as framework.
    private static readonly HashSet<string> MicrosoftKeyTokens =
        ["b03f5f7f11d50a3a", "7cec85d7bea7798e", "cc7b13ffcd2ddd51", "adb9793829ddae60", "31bf3856ad364e35"];

    private static readonly ConditionalWeakTable<Assembly, object> Verdicts = [];

    public static bool Contains(Assembly assembly) =>
        Verdicts.GetValue(assembly, static assembly => IsFramework(assembly)) is true;

    private static bool IsFramework(Assembly assembly)
    {
        if (assembly == typeof(object).Assembly)
        {
            return true;
        }

        if (!assembly.IsDynamic && SharedRoot is not null && assembly.Location.StartsWith(SharedRoot, StringComparison.Ordinal))
        {
            return true;
        }

        var token = assembly.GetName().GetPublicKeyToken();
        return token is { Length: 8 } && MicrosoftKeyTokens.Contains(Convert.ToHexStringLower(token));
    }

    private static string? SharedFrameworkRoot()
    {
        var coreLibrary = typeof(object).Assembly.Location;
        var versionDirectory = Path.GetDirectoryName(coreLibrary);
        var frameworkDirectory = Path.GetDirectoryName(versionDirectory);
        var sharedDirectory = Path.GetDirectoryName(frameworkDirectory);
        return string.IsNullOrEmpty(sharedDirectory) || Path.GetFileName(sharedDirectory) != "shared"
            ? null
            : sharedDirectory + Path.DirectorySeparatorChar;
    }
}
