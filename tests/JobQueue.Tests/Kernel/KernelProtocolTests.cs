using System.Text.Json.Nodes;

namespace JobQueue.Tests.Kernel;

/// <summary>The kernel as Jupyter's own client sees it: cells, errors, completion, and messages it must refuse.</summary>
[Collection(KernelCollection.Name)]
public sealed class KernelProtocolTests(InstalledKernel kernel) : IClassFixture<InstalledKernel>
{
    private readonly Jupyter _jupyter = kernel.Jupyter;

    [JupyterFact]
    public async Task A_cell_streams_its_output_and_shows_its_value_and_r_and_load_directives_work()
    {
        var script = Path.Combine(Path.GetTempPath(), $"triple-{Guid.NewGuid():N}.csx");
        await File.WriteAllTextAsync(script, "static int Triple(int x) => 3 * x;\n");
        var library = Path.Combine(AppContext.BaseDirectory, "Microsoft.Data.Sqlite.dll");
        try
        {
            var (results, _) = await _jupyter.DriveAsync(
            [
                Execute("var k = 6;\nConsole.WriteLine(\"six\");\nk * 7"),
                Execute($"#load \"{script}\"\nTriple(5)"),
                Execute($"#r \"{library}\"\nnew Microsoft.Data.Sqlite.SqliteConnectionStringBuilder {{ DataSource = \"x.db\" }}.ToString()"),
            ]);

            Assert.Equal("ok", (string?)results[0]!["reply"]!["status"]);
            Assert.Equal(1, (int?)results[0]!["reply"]!["execution_count"]);
            Assert.Equal("six\n", Outputs(results[0]!, "stream").Single()["text"]!.GetValue<string>());
            Assert.Equal("42", Value(results[0]!));
            Assert.Equal("15", Value(results[1]!));
            Assert.Equal("Data Source=x.db", Value(results[2]!));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [JupyterFact]
    public async Task A_compile_error_shows_the_diagnostic_and_the_line_of_the_cell_and_the_next_cell_runs()
    {
        var (results, _) = await _jupyter.DriveAsync([Execute("var a = 1;\nvar b = a +;\n"), Execute("1 + 1")]);

        var reply = results[0]!["reply"]!;
        Assert.Equal("error", (string?)reply["status"]);
        var traceback = string.Join('\n', reply["traceback"]!.AsArray().Select(line => (string)line!));
        Assert.Contains("(2,12): error CS1525", traceback);
        Assert.Contains("line 2: var b = a +;", traceback);
        Assert.Equal(traceback, string.Join('\n', Outputs(results[0]!, "error").Single()["traceback"]!.AsArray().Select(line => (string)line!)));
        Assert.Equal("2", Value(results[1]!));
    }

    [JupyterFact]
    public async Task A_cell_that_throws_aborts_the_cells_queued_behind_it_and_later_cells_run()
    {
        var (results, _) = await _jupyter.DriveAsync(
        [
            new JsonObject { ["execute_all"] = new JsonArray("throw new InvalidOperationException(\"boom\");", "Console.WriteLine(\"queued\");") },
            Execute("\"later\""),
        ]);

        var replies = results[0]!["replies"]!.AsArray();
        Assert.Equal("error", (string?)replies[0]!["status"]);
        Assert.Equal("InvalidOperationException", (string?)replies[0]!["ename"]);
        Assert.Equal("boom", (string?)replies[0]!["evalue"]);
        Assert.Equal("aborted", (string?)replies[1]!["status"]);
        Assert.Equal(results[0]!["requests"]!.ToJsonString(), results[0]!["parents"]!.ToJsonString());
        Assert.Equal("later", Value(results[1]!));
    }

    [JupyterFact]
    public async Task A_message_with_a_wrong_signature_is_ignored_and_logged_and_the_kernel_keeps_serving()
    {
        var (results, log) = await _jupyter.DriveAsync(
        [
            new JsonObject { ["badly_signed"] = "Console.WriteLine(\"forged\");" },
            Execute("Console.WriteLine(\"genuine\");"),
        ]);

        // Shell requests are answered in order: had the forged one run, the first reply would be its.
        var genuine = results[1]!;
        Assert.Equal((string?)genuine["request"], (string?)genuine["parent"]);
        Assert.Equal(1, (int?)genuine["reply"]!["execution_count"]);
        Assert.Equal("genuine\n", Outputs(genuine, "stream").Single()["text"]!.GetValue<string>());
        Assert.Contains("Ignored a message whose signature does not match the connection file's key on the shell socket", log);
    }

    [JupyterFact]
    public async Task Completion_inspection_and_the_completeness_check_answer_from_the_compiler()
    {
        var (results, _) = await _jupyter.DriveAsync(
        [
            Execute("var numbers = new List<int> { 1, 2 };"),
            new JsonObject { ["complete"] = "Enumerable.Ra", ["cursor"] = 13 },
            new JsonObject { ["complete"] = "numbers.Cou", ["cursor"] = 11 },
            new JsonObject { ["inspect"] = "Console.WriteLine", ["cursor"] = 12 },
            new JsonObject { ["is_complete"] = "if (true) {" },
            new JsonObject { ["is_complete"] = "var x = 1;" },
        ]);

        Assert.Equal(["Range"], Matches(results[1]!));
        Assert.Equal(11, (int?)results[1]!["reply"]!["cursor_start"]);
        Assert.Contains("Count", Matches(results[2]!));
        Assert.True((bool?)results[3]!["reply"]!["found"]);
        Assert.Contains("System.Console.WriteLine", (string?)results[3]!["reply"]!["data"]!["text/plain"]);
        Assert.Equal("incomplete", (string?)results[4]!["reply"]!["status"]);
        Assert.Equal("complete", (string?)results[5]!["reply"]!["status"]);
    }

    internal static JsonObject Execute(string code, string? interruptWhen = null)
    {
        var step = new JsonObject { ["execute"] = code };
        if (interruptWhen is not null)
        {
            step["interrupt_when"] = interruptWhen;
        }

        return step;
    }

    /// <summary>The IOPub outputs of type <paramref name="type"/> a step caused, in order.</summary>
    internal static IReadOnlyList<JsonNode> Outputs(JsonNode result, string type) =>
        result["outputs"]!.AsArray().Where(output => (string?)output!["type"] == type).Select(output => output!["content"]!).ToList();

    /// <summary>The text/plain of the step's execute_result.</summary>
    internal static string? Value(JsonNode result) => (string?)Outputs(result, "execute_result").Single()["data"]!["text/plain"];

    private static string[] Matches(JsonNode result) => result["reply"]!["matches"]!.AsArray().Select(match => (string)match!).ToArray();
}

/// <summary>Kernel tests run one at a time: each starts a kernel (and clusters) on a two-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "Jupyter kernel";
}
