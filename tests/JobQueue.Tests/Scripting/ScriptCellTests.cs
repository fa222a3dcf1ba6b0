using JobQueue.Scripting;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace JobQueue.Tests.Scripting;

/// <summary>Cells run through Roslyn scripting exactly as notebook kernels and REPLs run them.</summary>
public sealed class ScriptCellTests : IAsyncLifetime
{
    private static readonly ScriptOptions Options = ScriptOptions.Default
        .AddReferences(typeof(Cluster).Assembly)
        .AddImports("System", "System.Linq", "System.Collections.Generic", "JobQueue");

    private ScriptState<object> _state = null!;

    public async Task InitializeAsync() =>
        await RunAsync("var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = \"cells\" });");

    public async Task DisposeAsync() => await ((LocalCluster)_state.GetVariable("cluster").Value).DisposeAsync();

    [Fact]
    public async Task A_lambda_from_an_earlier_cell_runs_on_the_workers_without_the_cell_variables_it_does_not_read()
    {
        await RunAsync("int factor = 3; var big = new byte[100_000_000]; Func<int, int> f = x => x * factor;");

        var results = await RunAsync("await cluster.Gather(cluster.Map(f, Enumerable.Range(0, 1000)))");

        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * 3), (int[])results!);
        var sent = ((LocalCluster)_state.GetVariable("cluster").Value).FileBytesSent;
        Assert.InRange(sent, 1, 50_000_000);
    }

    [Fact]
    public async Task A_record_declared_in_a_cell_travels_as_argument_and_result()
    {
        await RunAsync("record Point(int X, int Y); Func<Point, Point> shift = p => p with { X = p.X + 10 };");

        var moved = await RunAsync("await cluster.Gather(cluster.Map(shift, new[] { new Point(1, 2), new Point(3, 4) }))");

        Assert.Equal(["Point { X = 11, Y = 2 }", "Point { X = 13, Y = 4 }"], ((Array)moved!).Cast<object>().Select(point => point.ToString()));
    }

    [Fact]
    public async Task A_lambda_that_uses_the_cluster_is_refused_with_the_path_of_the_capture()
    {
        await RunAsync("Func<int, int> countWorkers = x => x + cluster.Workers.Count;");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync("cluster.Map(countWorkers, new[] { 1 })"));

        Assert.True(error.Message.Contains(".cluster: LocalCluster cannot be sent to a worker", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task A_lambda_used_in_the_cell_that_defines_it_is_refused_with_what_to_do()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync("cluster.Map((int x) => x + 1, new[] { 1 })"));

        Assert.Contains("was not registered", error.Message);
    }

    [Fact]
    public async Task A_lambda_from_an_earlier_cell_that_was_never_registered_is_refused_saying_so()
    {
        _state = await _state.ContinueWithAsync("Func<int, int> twice = x => 2 * x;", Options);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync("cluster.Map(twice, new[] { 1 })", register: false));

        Assert.Contains("defined in a script cell whose code was not registered", error.Message);
        Assert.DoesNotContain("still running", error.Message);
    }

    [Fact]
    public async Task Cells_without_code_register_without_error()
    {
        await RunAsync($"#r \"{typeof(Cluster).Assembly.Location}\"");
        await RunAsync("");

        await RunAsync("Func<int, int> inc = x => x + 1;");
        var results = await RunAsync("await cluster.Gather(cluster.Map(inc, new[] { 1, 2 }))");

        Assert.Equal([2, 3], (int[])results!);
    }

    [Fact]
    public async Task A_lambda_and_a_record_run_on_the_workers_from_their_own_cell_when_the_compiled_cell_is_registered_before_it_runs()
    {
        var script = _state.Script.ContinueWith(
            "var k = 7; record Box(int V); await cluster.Gather(cluster.Map((int x) => new Box(x * k), Enumerable.Range(0, 3)))", Options);
        Assert.Empty(script.Compile());

        ScriptSubmissions.Register(script);
        _state = await script.RunFromAsync(_state);

        Assert.Equal(["Box { V = 0 }", "Box { V = 7 }", "Box { V = 14 }"], ((Array)_state.ReturnValue!).Cast<object>().Select(box => box.ToString()));
    }

    private async Task<object?> RunAsync(string cell, bool register = true)
    {
        _state = _state is null ? await CSharpScript.RunAsync(cell, Options) : await _state.ContinueWithAsync(cell, Options);
        if (register)
        {
            ScriptSubmissions.Register(_state);
        }

        return _state.ReturnValue;
    }
}
