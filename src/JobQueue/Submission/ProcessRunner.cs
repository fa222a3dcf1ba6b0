using System.ComponentModel;
using System.Diagnostics;

namespace JobQueue.Submission;

/// <summary>Starts a process, feeds its standard input and collects what it prints.</summary>
internal static class ProcessRunner
{
    /// <exception cref="BatchCommandException">The program could not be started; the message begins with <paramref name="notStarted"/>.</exception>
    public static async Task<CommandResult> RunAsync(
        string program, IReadOnlyList<string> arguments, string commandLine, string? standardInput, string? workingDirectory, string notStarted,
        CancellationToken cancellationToken, Func<Stream, CancellationToken, Task>? writeInput = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new BatchCommandException($"{notStarted} ({exception.Message})", commandLine, null, "", "", exception);
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            try
            {
                if (writeInput is not null)
                {
                    await writeInput(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                }
                else if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading all of its input; its exit code and output tell why.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CommandResult(commandLine, process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
