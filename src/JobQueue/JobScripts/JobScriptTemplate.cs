using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace JobQueue.JobScripts;

/// <summary>
/// A parsed Scriban job-script template. Its <c>{{ wrap directives }}…{{ end }}</c> block turns each non-empty line
/// into a header directive: it adds the batch system's prefix, drops lines that contain a <c>JobDirectivesSkip</c>
/// text, then appends the user's extra directives, which are never dropped. Values are data: a value that looks
/// like template code (<c>{{ … }}</c>) is written as it is, never evaluated.
/// </summary>
internal sealed class JobScriptTemplate
{
    private readonly Template _template;
    private readonly DirectivesFunction _directives;

    private JobScriptTemplate(Template template, DirectivesFunction directives)
    {
        _template = template;
        _directives = directives;
    }

    /// <exception cref="ArgumentException">The template does not parse; the message names <paramref name="source"/>, the line and the column.</exception>
    public static JobScriptTemplate Compile(string text, string source, string directivePrefix, IReadOnlyList<string> skip, IReadOnlyList<string> extraDirectives)
    {
        var template = Template.Parse(text, source);
        if (template.HasErrors)
        {
            var errors = string.Join("; ", template.Messages.Select(message => $"{Where(source, message.Span)}: {message.Message}"));
            throw new ArgumentException($"The job-script template {source} is not a valid Scriban template: {errors}", nameof(JobQueueOptions.TemplatePath));
        }

        return new JobScriptTemplate(template, new DirectivesFunction(directivePrefix, skip, extraDirectives));
    }

    /// <exception cref="ArgumentException">The template uses a value that does not exist or fails while rendering.</exception>
    public string Render(IReadOnlyDictionary<string, object?> values, string source)
    {
        var globals = new ScriptObject();
        foreach (var (name, value) in values)
        {
            globals.Add(name, value);
        }

        globals.Add(DirectivesFunction.Name, _directives);
        // Scriban's built-in functions (string.replace, math.…) stay available to site templates; ours shadow none of them.
        var context = new TemplateContext { StrictVariables = true, LoopLimit = 0 };
        context.PushGlobal(globals);
        try
        {
            return _template.Render(context);
        }
        catch (ScriptRuntimeException exception)
        {
            throw new ArgumentException(
                $"The job-script template {source} cannot be rendered: {Where(source, exception.Span)}: {exception.OriginalMessage}. Available values: {string.Join(", ", values.Keys.Order(StringComparer.Ordinal))}.",
                nameof(JobQueueOptions.TemplatePath), exception);
        }
    }

    // Scriban counts lines and columns from 0; editors count from 1.
    private static string Where(string source, Scriban.Parsing.SourceSpan span) => $"{source} line {span.Start.Line + 1}, column {span.Start.Column + 1}";
}
