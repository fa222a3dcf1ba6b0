using System.Text.RegularExpressions;

namespace JobQueue.Submission;

/// <summary>
/// A job id in one canonical form, whatever the submit command printed: Slurm and Grid Engine ids are the bare
/// number (<c>42</c>), PBS ids keep their server (<c>42.server</c>). An array's task range is kept apart.
/// </summary>
internal sealed partial record SubmittedJobId(string Id, string? ArrayTasks = null)
{
    // Site wrappers print banners around the id (dask-jobqueue #209, #699): last resort, the first number on the last line that has one.
    [GeneratedRegex(@"(?<id>\d+)")]
    private static partial Regex FirstNumber();

    /// <summary>
    /// Finds the id in <paramref name="result"/>'s output with <paramref name="customPattern"/> (group <c>id</c>), then the
    /// batch system's own pattern, then the first number of the last line that holds one.
    /// </summary>
    /// <exception cref="BatchCommandException">The output holds no job id.</exception>
    public static SubmittedJobId Parse(CommandResult result, BatchSystem system, Regex? customPattern)
    {
        var output = result.StandardOutput;
        foreach (var pattern in new[] { customPattern, system.JobIdPattern }.OfType<Regex>())
        {
            var match = pattern.Match(output);
            if (match.Success && match.Groups["id"].Success)
            {
                var tasks = match.Groups["tasks"];
                return new SubmittedJobId(match.Groups["id"].Value, tasks.Success ? tasks.Value : null);
            }
        }

        var lastNumber = output.Split('\n').Reverse().Select(line => FirstNumber().Match(line)).FirstOrDefault(match => match.Success);
        return lastNumber is not null
            ? new SubmittedJobId(lastNumber.Groups["id"].Value)
            : throw new BatchCommandException(
                $"{result.CommandLine} printed no job id. Set JobIdPattern to a regular expression with a group named id that finds it; the output was: {output.Trim()}",
                result.CommandLine, result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public override string ToString() => ArrayTasks is null ? Id : $"{Id}.{ArrayTasks}";
}
