using System.Text;
using System.Text.RegularExpressions;

namespace JobQueue.Submission;

/// <summary>Writes words of a bash command line.</summary>
internal static partial class ShellWords
{
    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex PlainWord();

    /// <summary>
    /// A word left bare when it needs no quoting, else in double quotes, so that <c>$VARIABLES</c> in names and
    /// directories still expand on the compute node while spaces and quotes stay inside the word.
    /// </summary>
    public static string Quote(string word)
    {
        if (PlainWord().IsMatch(word))
        {
            return word;
        }

        var quoted = new StringBuilder("\"");
        foreach (var character in word)
        {
            if (character is '"' or '\\' or '`')
            {
                quoted.Append('\\');
            }

            quoted.Append(character);
        }

        return quoted.Append('"').ToString();
    }

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
