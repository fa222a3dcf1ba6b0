using JobQueue.Scripting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace JobQueue.Kernel.Execution;

/// <summary>
/// Runs cells one after the other as one C# script: each cell is compiled, registered for code shipping, and only
/// then run, so functions and records a cell declares run on the workers from that same cell.
/// </summary>
internal sealed class CellRunner(ScriptOptions options)
{
    private ScriptState<object>? _state;
    private Task<ScriptState<object>?>? _warmUp;

    /// <summary>The state after the last cell (or the warm-up's, once it is done), or null before the first.</summary>
    public ScriptState<object>? State => _state ?? (Volatile.Read(ref _warmUp) is { IsCompletedSuccessfully: true } warmUp ? warmUp.Result : null);

    /// <summary>Options cells compile with.</summary>
    public ScriptOptions Options => options;

    /// <summary>
    /// Runs a hidden first cell (<c>0</c>) on a thread-pool thread, which the notebook's cells then continue. The first
    /// cell of a chain costs about 0.5 s even with the compiler loaded (it binds every reference and import), a
    /// continuation about 30 ms: so a person's first cell no longer waits for the compiler. The hidden cell declares
    /// nothing and holds no variable; a cell run before this is called starts the chain itself.
    /// </summary>
    /// <param name="log">Says why the warm-up failed, if it does: the first cell then starts the chain itself.</param>
    public void StartWarmUp(Action<string> log) => Volatile.Write(ref _warmUp, Task.Run(async () =>
    {
        try
        {
            var state = await CSharpScript.RunAsync("0", options).ConfigureAwait(false);
            ScriptSubmissions.Register(state);
            return state;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            log($"Warming up the compiler failed, so the first cell compiles without it: {exception.Message}");
            return null;
        }
    }));

    /// <summary>Compiles and runs <paramref name="code"/> after the cells so far, with <paramref name="scope"/> current while it runs.</summary>
    public async Task<CellOutcome> RunAsync(string code, Func<CellScope> scope, CancellationToken interrupt)
    {
        // A cell sent at once (Run All) waits for the warm-up, which does the work the cell would otherwise do itself.
        var previous = _state ?? (Volatile.Read(ref _warmUp) is { } warmUp ? await warmUp.ConfigureAwait(false) : null);
        var script = previous is null ? CSharpScript.Create(code, options) : previous.Script.ContinueWith(code, options);
        var errors = script.Compile(interrupt).Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0)
        {
            return new CellOutcome.NotCompiled(errors);
        }

        try
        {
            ScriptSubmissions.Register(script);
            using var current = scope();
            // Exceptions are kept in the state, so the variables the cell set before throwing stay, as in other kernels.
            var state = previous is null
                ? await script.RunAsync(globals: null, catchException: _ => true, interrupt).ConfigureAwait(false)
                : await script.RunFromAsync(previous, catchException: _ => true, interrupt).ConfigureAwait(false);
            _state = state;
            return state.Exception is { } exception
                ? new CellOutcome.Failed(exception)
                : new CellOutcome.Completed(HasValue(script), state.ReturnValue);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return new CellOutcome.Failed(exception);
        }
    }

    // A cell ending with an expression without semicolon has a value to show, even when it is null.
    private static bool HasValue(Script script) =>
        CellTree(script.GetCompilation()).GetRoot() is CompilationUnitSyntax { Members: [.., GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } }] };

    /// <summary>The cell's own syntax tree: the trees of the files it loads with <c>#load</c> come with their paths, the cell's has none.</summary>
    public static SyntaxTree CellTree(Compilation compilation) =>
        compilation.SyntaxTrees.LastOrDefault(tree => tree.FilePath.Length == 0) ?? compilation.SyntaxTrees.Last();

    /// <summary>Every value the cells' variables hold now, latest first (for disposing what they own at shutdown).</summary>
    public IEnumerable<object> VariableValues() =>
        _state?.Variables.Reverse().Select(variable => variable.Value).OfType<object>() ?? [];
}
