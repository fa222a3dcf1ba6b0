using System.Reflection;
using System.Runtime.CompilerServices;

namespace JobQueue.Serialization;

/// <summary>
/// Tells .NET's own assemblies from the user's, in the two senses JobQueue needs: what every worker already has (the
/// shared framework, never shipped) and what is platform rather than user code (the framework and Microsoft's
/// packages: their types are data only if the codec knows them, their methods are not analysed).
/// </summary>
internal static class FrameworkAssemblies
{
    // <dotnet>/shared/, the parent of every shared framework (Microsoft.NETCore.App, Microsoft.AspNetCore.App, ...).
    private static readonly string? SharedRoot = SharedFrameworkRoot();

    // Self-contained apps carry the framework beside themselves, so their location proves nothing; the signing key
    // does. Microsoft's NuGet packages (Microsoft.Extensions.Logging, ...) share these keys.
    private static readonly HashSet<string> MicrosoftKeyTokens =
        ["b03f5f7f11d50a3a", "7cec85d7bea7798e", "cc7b13ffcd2ddd51", "adb9793829ddae60", "31bf3856ad364e35"];

    private static readonly ConditionalWeakTable<Assembly, object> PlatformVerdicts = [];

    /// <summary>Whether every worker has <paramref name="assembly"/>: it is part of a shared framework.</summary>
    public static bool IsSharedFramework(Assembly assembly) =>
        assembly == typeof(object).Assembly
        || (!assembly.IsDynamic && SharedRoot is not null && assembly.Location.StartsWith(SharedRoot, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="assembly"/> is .NET or one of Microsoft's packages rather than user code.</summary>
    public static bool IsPlatform(Assembly assembly) =>
        PlatformVerdicts.GetValue(assembly, static assembly => IsSharedFramework(assembly) || IsSignedByMicrosoft(assembly)) is true;

    private static bool IsSignedByMicrosoft(Assembly assembly) =>
        assembly.GetName().GetPublicKeyToken() is { Length: 8 } token && MicrosoftKeyTokens.Contains(Convert.ToHexStringLower(token));

    private static string? SharedFrameworkRoot()
    {
        var versionDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var frameworkDirectory = Path.GetDirectoryName(versionDirectory);
        var sharedDirectory = Path.GetDirectoryName(frameworkDirectory);
        return string.IsNullOrEmpty(sharedDirectory) || Path.GetFileName(sharedDirectory) != "shared"
            ? null
            : sharedDirectory + Path.DirectorySeparatorChar;
    }
}
