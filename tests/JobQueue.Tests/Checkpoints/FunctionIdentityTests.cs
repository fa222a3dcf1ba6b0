using System.Reflection;
using System.Runtime.Loader;
using JobQueue.Checkpoints;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace JobQueue.Tests.Checkpoints;

/// <summary>
/// Builds of one assembly "Work" that differ in one place, compiled here: whether a function's identity (and so its
/// checkpoint) survives the change.
/// </summary>
public sealed class FunctionIdentityTests
{
    // {0}: a method and a lambda before the function, changing every later metadata token and lambda number.
    // {1}: the body of a method the function does not call. {2}: what Helper adds. {3}: the function's own factor.
    private const string Source = """
        using System;
        using System.IO;
        public static class Work
        {
            {0}
            public static string Unrelated() => {1};
            public static Func<int, int> Counted(string directory) => x =>
            {
                File.AppendAllText(Path.Combine(directory, Environment.ProcessId + ".txt"), x + "\n");
                return Helper(x) * {3};
            };
            public static int Scaled(int x) => Helper(x) * {3};
            private static int Helper(int x) => x + {2};
        }
        """;

    private static readonly Build Original = new(Extra: "", Unrelated: "\"one\"", Increment: 1, Factor: 3);

    [Fact]
    public void Changing_another_method_or_adding_code_before_the_function_keeps_its_identity()
    {
        var changed = Original with { Extra = "public static int Added(int y) => y * 7; public static Func<int, int> AddedLambda() => y => y - 1;", Unrelated = "\"two\" + 2" };

        Assert.Equal(Identity(Compile(Original).Counted("d")), Identity(Compile(changed).Counted("d")));
        Assert.Equal(Identity(Compile(Original).Scaled), Identity(Compile(changed).Scaled));
    }

    [Fact]
    public void Changing_the_function_or_a_method_it_calls_changes_its_identity()
    {
        var original = Identity(Compile(Original).Counted("d"));

        Assert.NotEqual(original, Identity(Compile(Original with { Factor = 4 }).Counted("d")));
        Assert.NotEqual(original, Identity(Compile(Original with { Increment = 2 }).Counted("d")));
        Assert.NotEqual(Identity(Compile(Original).Scaled), Identity(Compile(Original with { Increment = 2 }).Scaled));
    }

    [Fact]
    public void A_lambda_is_named_after_the_method_it_is_written_in()
    {
        Assert.Equal("Work.Counted (lambda)", FunctionIdentity.Of(Compile(Original).Counted("d"), null).Name);
        Assert.Equal("Work.Scaled", FunctionIdentity.Of(Compile(Original).Scaled, null).Name);
    }

    [Fact]
    public async Task A_rebuild_with_an_unrelated_change_resumes_and_a_changed_function_is_refused()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var options = new MapOptions { Checkpoint = database.Path };
        await using (var first = new LocalCluster(new LocalOptions { Workers = 2, Name = "identity-first" }))
        {
            Assert.Equal(Expected(20), await first.Gather(first.Map(Compile(Original).Counted(log.Directory), Enumerable.Range(0, 20), options)));
        }

        await using var rebuilt = new LocalCluster(new LocalOptions { Workers = 2, Name = "identity-rebuilt" });
        var unrelatedChange = Compile(Original with { Extra = "public static int Added(int y) => y * 7;", Unrelated = "\"two\"" });
        Assert.Equal(Expected(30), await rebuilt.Gather(rebuilt.Map(unrelatedChange.Counted(log.Directory), Enumerable.Range(0, 30), options)));
        Assert.Equal(Enumerable.Range(0, 30), log.Items().Order());

        var changedHelper = Compile(Original with { Increment = 2 });
        var refused = Assert.Throws<CheckpointException>(() => rebuilt.Map(changedHelper.Counted(log.Directory), Enumerable.Range(0, 30), options));
        Assert.Contains("holds results of Work.Counted (lambda)", refused.Message);
    }

    private static IEnumerable<int> Expected(int count) => Enumerable.Range(0, count).Select(x => (x + 1) * 3);

    private static string Identity(Delegate function) => FunctionIdentity.Of(function, null).Hash;

    private sealed record Build(string Extra, string Unrelated, int Increment, int Factor);

    private sealed record CompiledWork(Func<string, Func<int, int>> Counted, Func<int, int> Scaled);

    private static CompiledWork Compile(Build build)
    {
        var source = Source.Replace("{0}", build.Extra).Replace("{1}", build.Unrelated).Replace("{2}", $"{build.Increment}").Replace("{3}", $"{build.Factor}");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "System.Console.dll")
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "Work", [CSharpSyntaxTree.ParseText(source)], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var path = Path.Combine(Directory.CreateTempSubdirectory("jobqueue-work-").FullName, "Work.dll");
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var work = new AssemblyLoadContext($"Work {build}", isCollectible: true).LoadFromAssemblyPath(path).GetType("Work")!;
        return new CompiledWork(
            work.GetMethod("Counted")!.CreateDelegate<Func<string, Func<int, int>>>(),
            work.GetMethod("Scaled")!.CreateDelegate<Func<int, int>>());
    }
}
