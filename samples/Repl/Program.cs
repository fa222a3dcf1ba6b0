// An interactive C# session with JobQueue loaded: type cells line by line, as in a notebook. Each cell's code is
// registered for shipping when it finishes, so a function defined in one cell runs on the workers from the next.
// Run: dotnet run --project samples/Repl   (quit with Ctrl+D; clusters left in variables are disposed then)
using System.Collections;
using JobQueue;
using JobQueue.Scripting;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

var options = ScriptOptions.Default
    .AddReferences(typeof(Cluster).Assembly)
    .AddImports("System", "System.Linq", "System.Collections.Generic", "System.Threading.Tasks", "JobQueue");
var interactive = !Console.IsInputRedirected;
ScriptState<object>? state = null;
var cell = "";

Console.WriteLine("JobQueue C# session. Try: var cluster = new LocalCluster(); then, in later cells, cluster.Map(...)");
while (true)
{
    if (interactive)
    {
        Console.Write(cell.Length == 0 ? "> " : ". ");
    }

    var line = Console.ReadLine();
    if (line is null)
    {
        break;
    }

    cell += line + "\n";
    if (!SyntaxFactory.IsCompleteSubmission(CSharpSyntaxTree.ParseText(cell, CSharpParseOptions.Default.WithKind(Microsoft.CodeAnalysis.SourceCodeKind.Script))))
    {
        continue;
    }

    try
    {
        state = state is null ? await CSharpScript.RunAsync(cell, options) : await state.ContinueWithAsync(cell, options);
        ScriptSubmissions.Register(state);
        if (state.ReturnValue is { } value)
        {
            Console.WriteLine(Show(value));
        }
    }
    catch (CompilationErrorException exception)
    {
        Console.WriteLine(string.Join(Environment.NewLine, exception.Diagnostics));
    }
    catch (Exception exception)
    {
        Console.WriteLine($"{exception.GetType().Name}: {exception.Message}");
    }

    cell = "";
}

// Batch jobs must not outlive the session.
foreach (var variable in state?.Variables ?? [])
{
    if (variable.Value is Cluster cluster)
    {
        await cluster.DisposeAsync();
    }
}

static string Show(object value) => value switch
{
    string text => text,
    IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Take(20).Select(item => item?.ToString() ?? "null"))}{(items.Cast<object?>().Skip(20).Any() ? ", …" : "")}]",
    _ => value.ToString() ?? "",
};
