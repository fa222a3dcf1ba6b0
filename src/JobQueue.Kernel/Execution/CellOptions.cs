using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace JobQueue.Kernel.Execution;

/// <summary>How cells compile: a console app's implicit usings plus JobQueue, and <c>#r</c>/<c>#load</c> paths relative to the kernel's directory.</summary>
internal static class CellOptions
{
    /// <summary>The namespaces every cell imports (those of a console app's implicit usings, then JobQueue).</summary>
    public static readonly ImmutableArray<string> Imports =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks", "JobQueue",
    ];

    /// <summary>Options for cells run from <paramref name="baseDirectory"/> (the notebook's folder when Jupyter starts the kernel there).</summary>
    public static ScriptOptions For(string baseDirectory) =>
        ScriptOptions.Default
            .AddReferences(typeof(Cluster).Assembly, typeof(Enumerable).Assembly, typeof(HttpClient).Assembly, typeof(File).Assembly)
            .AddImports(Imports)
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(baseDirectory))
            .WithSourceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, baseDirectory))
            .WithOptimizationLevel(OptimizationLevel.Debug);
}
