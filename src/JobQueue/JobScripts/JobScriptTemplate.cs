using HandlebarsDotNet;

namespace JobQueue.JobScripts;

/// <summary>
/// A compiled Handlebars job-script template. Its <c>{{#directives}}</c> block turns each non-empty line into a
/// header directive: it adds the batch system's prefix, drops lines that contain a <c>JobDirectivesSkip</c> text,
/// then appends the user's extra directives, which are never dropped.
/// </summary>
internal sealed class JobScriptTemplate
{
    private readonly HandlebarsTemplate<object, object> _render;

    private JobScriptTemplate(HandlebarsTemplate<object, object> render) => _render = render;

    /// <exception cref="ArgumentException">The template does not compile; <paramref name="source"/> says where it came from.</exception>
    public static JobScriptTemplate Compile(string text, string source, string directivePrefix, IReadOnlyList<string> skip, IReadOnlyList<string> extraDirectives)
    {
        var handlebars = Handlebars.Create(new HandlebarsConfiguration
        {
            NoEscape = true,
            TextEncoder = null, // NoEscape alone does not reach the text a block helper captures.
            ThrowOnUnresolvedBindingExpression = true,
        });
        handlebars.RegisterHelper("directives", (output, options, _, _) =>
        {
            var generated = options.Template()
                .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(line => $"{directivePrefix} {line}")
                .Where(line => !skip.Any(line.Contains));
            var extras = extraDirectives.Select(line => line.StartsWith(directivePrefix, StringComparison.Ordinal) ? line : $"{directivePrefix} {line}");
            foreach (var line in generated.Concat(extras))
            {
                output.Write(line + "\n", false);
            }
        });
        try
        {
            return new JobScriptTemplate(handlebars.Compile(text));
        }
        catch (HandlebarsException exception)
        {
            throw new ArgumentException($"The job-script template {source} is not valid Handlebars: {exception.Message}", nameof(JobQueueOptions.TemplatePath), exception);
        }
    }

    /// <exception cref="ArgumentException">The template uses a value that does not exist.</exception>
    public string Render(IReadOnlyDictionary<string, object?> values, string source)
    {
        try
        {
            return _render(values);
        }
        catch (Exception exception) when (exception is HandlebarsException or HandlebarsDotNet.Compiler.HandlebarsUndefinedBindingException)
        {
            throw new ArgumentException(
                $"The job-script template {source} cannot be rendered: {exception.Message}. Available values: {string.Join(", ", values.Keys.Order())}.",
                nameof(JobQueueOptions.TemplatePath), exception);
        }
    }
}
