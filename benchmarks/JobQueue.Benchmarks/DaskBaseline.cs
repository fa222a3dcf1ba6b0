using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace JobQueue.Benchmarks;

/// <summary>What one mode of bench_dask.py gave: its figures by scenario, or why there are none.</summary>
internal sealed record DaskRun(string Mode, IReadOnlyDictionary<string, Figure> Figures, string? Unavailable = null, string? Versions = null);

/// <summary>Runs benchmarks/dask/bench_dask.py with Debian's python3 and reads the JSON line it prints per figure.</summary>
internal static class DaskBaseline
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(12); // the script stops itself after 10

    public static string ScriptPath(string repository) => Path.Combine(repository, "benchmarks", "dask", "bench_dask.py");

    public static async Task<DaskRun> RunAsync(string repository, string mode, bool quick, string? group)
    {
        var script = ScriptPath(repository);
        if (!File.Exists(script))
        {
            return new(mode, new Dictionary<string, Figure>(), $"{script} does not exist");
        }

        var start = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        List<string> arguments = [script, "--mode", mode];
        if (quick)
        {
            arguments.Add("--quick");
        }

        if (group is not null)
        {
            arguments.AddRange(["--only", group]);
        }

        arguments.ForEach(start.ArgumentList.Add);

        var figures = new Dictionary<string, Figure>();
        var otherErrors = new Queue<string>();
        string? versions = null;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception exception)
        {
            return new(mode, figures, $"{Python} could not be started: {exception.Message}");
        }

        using (process)
        {
            process.OutputDataReceived += (_, line) =>
            {
                if (Parse(line.Data) is { } figure)
                {
                    lock (figures)
                    {
                        figures[figure.Scenario] = figure;
                    }
                }
            };
            process.ErrorDataReceived += (_, line) =>
            {
                if (line.Data is not { } text)
                {
                    return;
                }

                lock (otherErrors)
                {
                    if (text.StartsWith("[bench_dask", StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine($"  {text}");
                        versions ??= text.Contains(", distributed ", StringComparison.Ordinal) ? text[(text.IndexOf(']', StringComparison.Ordinal) + 2)..] : null;
                    }
                    else if (text.Trim().Length > 0)
                    {
                        otherErrors.Enqueue(text.Trim());
                        if (otherErrors.Count > 30)
                        {
                            otherErrors.Dequeue();
                        }
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var limit = new CancellationTokenSource(Limit);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                return new(mode, figures, $"it did not finish within {Limit.TotalMinutes} minutes", versions);
            }

            if (figures.Count > 0)
            {
                return new(mode, figures, Versions: versions);
            }

            var reason = otherErrors.LastOrDefault(text => text.Contains("Error", StringComparison.Ordinal)) ?? otherErrors.LastOrDefault() ?? "no output";
            return new(mode, figures, $"{Python} {Path.GetFileName(script)} exited with code {process.ExitCode} and no figures: {reason}", versions);
        }
    }

    private static Figure? Parse(string? line)
    {
        if (line is null || !line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var value = root.TryGetProperty("value", out var number) && number.ValueKind == JsonValueKind.Number ? number.GetDouble() : (double?)null;
            var error = root.TryGetProperty("error", out var text) ? text.GetString() : null;
            return new(
                root.GetProperty("scenario").GetString()!,
                value,
                root.TryGetProperty("unit", out var unit) ? unit.GetString() ?? "" : "",
                root.TryGetProperty("n", out var n) && n.TryGetInt32(out var count) ? count : 0,
                Error: value is null ? error ?? "no value" : null);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
