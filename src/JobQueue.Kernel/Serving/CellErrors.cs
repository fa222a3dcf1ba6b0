using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;

namespace JobQueue.Kernel.Serving;

/// <summary>The <c>error</c> content (name, value, traceback lines) for a cell that did not compile, threw or was interrupted.</summary>
internal static class CellErrors
{
    public static JsonObject NotCompiled(IReadOnlyList<Diagnostic> errors, string code)
    {
        var lines = code.Split('\n');
        var traceback = new JsonArray();
        foreach (var error in errors)
        {
            traceback.Add(error.ToString());
            var span = error.Location.GetLineSpan();
            // The cell's own lines (not those of a #load-ed file) are quoted under their diagnostic.
            if (error.Location.IsInSource && string.IsNullOrEmpty(span.Path) && span.StartLinePosition.Line < lines.Length)
            {
                traceback.Add($"    line {span.StartLinePosition.Line + 1}: {lines[span.StartLinePosition.Line].TrimEnd()}");
            }
        }

        var first = errors[0];
        return Content("CompilationError", $"line {first.Location.GetLineSpan().StartLinePosition.Line + 1}: {first.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}", traceback);
    }

    public static JsonObject Threw(Exception exception, bool interrupted)
    {
        if (interrupted && exception is OperationCanceledException)
        {
            return Content(exception.GetType().Name, "The cell was interrupted: the work it waited for was cancelled.", [exception.GetType().Name + ": interrupted"]);
        }

        var traceback = new JsonArray();
        foreach (var line in exception.ToString().Split('\n'))
        {
            traceback.Add(line.TrimEnd());
        }

        return Content(exception.GetType().Name, exception.Message, traceback);
    }

    private static JsonObject Content(string name, string value, JsonArray traceback) => new()
    {
        ["ename"] = name,
        ["evalue"] = value,
        ["traceback"] = traceback,
    };
}
