using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace JobQueue.JobScripts;

/// <summary>
/// The <c>directives</c> function of job-script templates, called as <c>{{ wrap directives }}…{{ end }}</c>: it renders
/// its block, then writes each non-empty line with the batch system's prefix, drops those that contain a
/// <c>JobDirectivesSkip</c> text and appends the extra directives, which are never dropped.
/// </summary>
internal sealed class DirectivesFunction(string prefix, IReadOnlyList<string> skip, IReadOnlyList<string> extraDirectives) : IScriptCustomFunction
{
    public const string Name = "directives";

    public int RequiredParameterCount => 0;

    public int ParameterCount => 0;

    public ScriptVarParamKind VarParamKind => ScriptVarParamKind.None;

    public Type ReturnType => typeof(void);

    public ScriptParameterInfo GetParameterInfo(int index) => throw new ArgumentOutOfRangeException(nameof(index), "directives takes no parameters.");

    public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
    {
        if (blockStatement is null)
        {
            throw new ScriptRuntimeException(callerContext?.Span ?? context.CurrentSpan, $"{Name} wraps the header lines: write {{{{ wrap {Name} }}}} … {{{{ end }}}}.");
        }

        context.PushOutput();
        string block;
        try
        {
            context.Evaluate(blockStatement);
        }
        finally
        {
            block = context.PopOutput().ToString() ?? "";
        }

        context.Write(string.Concat(Lines(block).Select(line => line + "\n")));
        return null;
    }

    public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        ValueTask.FromResult(Invoke(context, callerContext, arguments, blockStatement));

    private IEnumerable<string> Lines(string block)
    {
        var generated = block
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(line => $"{prefix} {line}")
            .Where(line => !skip.Any(line.Contains));
        var extras = extraDirectives.Select(line => line.StartsWith(prefix, StringComparison.Ordinal) ? line : $"{prefix} {line}");
        return generated.Concat(extras);
    }
}
