using System.ComponentModel;
using System.Diagnostics;

namespace JobQueue.Submission;

/// <summary>Runs commands on this machine, from <see cref="JobQueueOptions.CommandDirectory"/> or else from PATH.</summary>
internal sealed class LocalCommandRunner(string? commandDirectory) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        var commandLine = CommandResult.Describe(command, arguments);
        var startInfo = new ProcessStartInfo(commandDirectory is null ? command : Path.Combine(commandDirectory, command))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
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
            var where = commandDirectory is null ? "on PATH" : $"in {commandDirectory} (CommandDirectory)";
            throw new BatchCommandException(
                $"{command} could not be started: it was not found {where} or is not executable. Is the batch system's client installed here? ({exception.Message})",
                commandLine, null, "", "", exception);
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
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
