using System.Reflection;

namespace JobQueue.Security;

/// <summary>
/// Refuses control characters in every text option, because nearly all of them end up in a job script, in a directive
/// or on a command line, where a newline starts a new shell line and NUL or a carriage return hide what follows.
/// Tabs too: a directive or path with a tab is a paste error, and batch systems split directives at it. One check for
/// every option of a record, found by reflection, so an option added later is covered without a line here.
/// </summary>
internal static class ControlCharacters
{
    // A regular expression applied to the submit command's output; it never reaches a script or a command line.
    // JobQueueOptions.JobIdPattern: a regular expression matched against command output, never written into a script.
    private static readonly HashSet<string> NotInScripts = ["JobIdPattern"];

    /// <summary>Throws for the first text option, or entry of a list option, of <paramref name="options"/> with a control character.</summary>
    /// <param name="options">An options record.</param>
    /// <param name="qualifier">How the record is named in the message, e.g. <c>SlurmOptions</c> or <c>SlurmOptions.Ssh</c>.</param>
    /// <exception cref="ArgumentException">A control character; the message names the option, the entry and the character.</exception>
    public static void Refuse(object options, string qualifier)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => !NotInScripts.Contains(property.Name)))
        {
            switch (property.GetValue(options))
            {
                case string text:
                    Refuse(text, $"{qualifier}.{property.Name}", property.Name);
                    break;
                case IEnumerable<string> entries:
                    var index = 0;
                    foreach (var entry in entries)
                    {
                        Refuse(entry, $"{qualifier}.{property.Name}[{index++}]", property.Name);
                    }

                    break;
            }
        }
    }

    private static void Refuse(string value, string option, string parameter)
    {
        var at = value.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        if (at < 0)
        {
            at = value.IndexOf('\u007f', StringComparison.Ordinal);
        }

        if (at >= 0)
        {
            throw new ArgumentException(
                $"{option} = \"{Escaped(value)}\" contains {Describe(value[at])} at position {at}; options that go into a job script or onto a command line must be single lines without control characters (one line per entry of a list).",
                parameter);
        }
    }

    private static string Describe(char character) => character switch
    {
        '\n' => "a line feed (\\n)",
        '\r' => "a carriage return (\\r)",
        '\t' => "a tab (\\t)",
        '\0' => "a NUL character (\\0)",
        _ => $"the control character U+{(int)character:X4}",
    };

    private static string Escaped(string value) => string.Concat(value.Select(character => character switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '"' => "\\\"",
        '\\' => "\\\\",
        < ' ' or '\u007f' => $"\\u{(int)character:x4}",
        _ => character.ToString(),
    }));
}
