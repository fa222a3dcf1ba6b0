using System.Text;

namespace JobQueue.Configuration;

/// <summary>How option names become configuration keys and how keys compare.</summary>
internal static class ConfigNames
{
    /// <summary>Section and key names compare case-insensitively, with '_' (environment variables) standing for '-'.</summary>
    public static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('_', '-');

    /// <summary><c>JobExtraDirectives</c> → <c>job-extra-directives</c>, as dask's keys are written.</summary>
    public static string KebabCase(string name)
    {
        var kebab = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                kebab.Append('-');
            }

            kebab.Append(char.ToLowerInvariant(name[i]));
        }

        return kebab.ToString();
    }

    public static string Listing(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order()) : "(none)";
}
