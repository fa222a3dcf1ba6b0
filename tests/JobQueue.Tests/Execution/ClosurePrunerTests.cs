using System.Reflection;
using System.Runtime.CompilerServices;
using JobQueue.Closures;

namespace JobQueue.Tests.Execution;

public sealed class ClosurePrunerTests
{
    private readonly ClosurePruner pruner = new(ClosurePruner.IsOutsideDotNetAndJobQueue);

    [Fact]
    public void A_lambda_reading_one_field_of_its_object_keeps_that_field_and_drops_the_stream_and_token_source()
    {
        var analysis = new Analysis();

        var pruned = pruner.Prune(analysis.Scale());

        var copy = Assert.IsType<Analysis>(pruned.Target);
        Assert.NotSame(analysis, copy);
        Assert.Equal(3, Read(copy, "factor"));
        Assert.Null(Read(copy, "log"));
        Assert.Null(Read(copy, "cancellation"));
        Assert.Equal(3, analysis.Scale()(1));
    }

    [Fact]
    public void Pruning_leaves_the_users_objects_as_they_were()
    {
        var analysis = new Analysis();
        var log = Read(analysis, "log");
        var cancellation = Read(analysis, "cancellation");

        pruner.Prune(analysis.Scale());

        Assert.Same(log, Read(analysis, "log"));
        Assert.Same(cancellation, Read(analysis, "cancellation"));
        Assert.Equal(3, Read(analysis, "factor"));
    }

    [Fact]
    public void A_lambda_that_really_uses_the_cluster_like_field_keeps_it_as_it_is()
    {
        var analysis = new Analysis();

        var pruned = pruner.Prune(analysis.CountWithCluster());

        Assert.Same(Read(analysis, "cancellation"), Read(pruned.Target!, "cancellation"));
        Assert.Null(Read(pruned.Target!, "log"));
        Assert.Equal(0, Read(pruned.Target!, "factor"));
    }

    [Fact]
    public async Task A_lambda_in_a_class_holding_the_cluster_drops_it_unless_the_lambda_uses_it()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "pruned" });
        var user = new ClusterUser(cluster);

        var scale = pruner.Prune(user.Scale());
        var count = pruner.Prune(user.CountWorkers());

        Assert.Null(Read(scale.Target!, "cluster"));
        Assert.Equal(3, Read(scale.Target!, "factor"));
        Assert.Equal(6, Rebind(user.Scale(), scale)(2));
        Assert.Same(cluster, Read(count.Target!, "cluster"));
        Assert.Equal(0, Read(count.Target!, "factor"));
    }

    [Fact]
    public void Values_merged_from_branches_travel_whole_and_reads_in_handlers_are_kept()
    {
        var first = new Ring { Value = 1, Log = new MemoryStream() };
        var second = new Ring { Value = 2 };
        var choice = new Choice { Left = first, Right = second };

        var pruned = pruner.Prune(choice.PickOrFallBack());

        Assert.Same(first, Read(pruned.Target!, "Left"));
        Assert.Same(second, Read(pruned.Target!, "Right"));
        Assert.Equal(9, Read(pruned.Target!, "fallback"));
        Assert.Null(Read(pruned.Target!, "Log"));
        Assert.Equal(choice.PickOrFallBack()(int.MaxValue), Rebind(choice.PickOrFallBack(), pruned)(int.MaxValue));
    }

    [Fact]
    public void A_lambda_in_a_loop_keeps_the_loop_variable_and_the_outer_local_it_reads_but_not_other_outer_locals()
    {
        var unrelated = new MemoryStream();
        var counter = Scopes.Counters(offset: 10, unrelated)[^1];

        var pruned = pruner.Prune(counter);

        var inner = pruned.Target!;
        Assert.Equal(2, Read(inner, "copy"));
        var outer = Read(inner, OuterScopeField(inner))!;
        Assert.NotSame(Read(counter.Target!, OuterScopeField(inner)), outer);
        Assert.Equal(10, Read(outer, "offset"));
        Assert.Null(Read(outer, "unrelated"));
        Assert.Same(unrelated, Read(Read(counter.Target!, OuterScopeField(inner))!, "unrelated"));
        Assert.Equal(12, Rebind(counter, pruned)());
    }

    [Fact]
    public void Fields_read_by_an_instance_helper_the_lambda_calls_are_kept_and_the_others_dropped()
    {
        var pruned = pruner.Prune(new Analysis().AddThroughHelper());

        Assert.Equal(5, Read(pruned.Target!, "offset"));
        Assert.Equal(0, Read(pruned.Target!, "factor"));
        Assert.Null(Read(pruned.Target!, "log"));
    }

    [Fact]
    public void A_virtual_helper_is_resolved_on_the_runtime_type_and_keeps_what_the_override_reads()
    {
        var holder = new ShapeHolder(new Square());

        var pruned = pruner.Prune(holder.AreaPlus());

        var shape = Assert.IsType<Square>(Read(pruned.Target!, "shape"));
        Assert.Equal(4, Read(shape, "side"));
        Assert.Null(Read(shape, "texture"));
        Assert.Null(Read(shape, "outline"));
        Assert.Null(Read(pruned.Target!, "log"));
        Assert.Equal(17, Rebind(holder.AreaPlus(), pruned)(1));
    }

    [Fact]
    public void Fields_read_through_local_functions_are_kept()
    {
        var analysis = new Analysis();
        var capturedStream = new MemoryStream();

        var throughInstanceLocalFunction = pruner.Prune(analysis.ScaleThroughLocalFunction());
        var throughClosureLocalFunction = pruner.Prune(Scopes.ShiftThroughLocalFunction(offset: 7, capturedStream));

        Assert.Equal(3, Read(throughInstanceLocalFunction.Target!, "factor"));
        Assert.Null(Read(throughInstanceLocalFunction.Target!, "log"));
        Assert.Equal(7, Read(throughClosureLocalFunction.Target!, "offset"));
        Assert.Null(Read(throughClosureLocalFunction.Target!, "stream"));
        Assert.Equal(8, Rebind(Scopes.ShiftThroughLocalFunction(offset: 7, capturedStream), throughClosureLocalFunction)(1));
    }

    [Fact]
    public void A_nested_lambda_built_on_the_same_object_counts_as_a_call()
    {
        var pruned = pruner.Prune(new Analysis().SumOfScaled());

        Assert.Equal(3, Read(pruned.Target!, "factor"));
        Assert.Null(Read(pruned.Target!, "cancellation"));
    }

    [Fact]
    public void A_lambda_or_method_without_state_has_no_target()
    {
        Func<int, int> capturesNothing = x => x + 1;
        Func<int, int> staticMethod = Scopes.Twice;

        Assert.NotNull(capturesNothing.Target);
        Assert.Null(pruner.Prune(capturesNothing).Target);
        Assert.Null(pruner.Prune(staticMethod).Target);
    }

    [Fact]
    public void A_target_passed_to_code_that_is_not_followed_travels_whole()
    {
        var analysis = new Analysis();

        var pruned = pruner.Prune(analysis.HashOfSelf());

        Assert.Same(analysis, pruned.Target);
    }

    [Fact]
    public void A_cycle_among_the_objects_read_is_kept_in_the_copy()
    {
        var first = new Ring { Value = 1 };
        var second = new Ring { Value = 2, Next = first, Log = new MemoryStream() };
        first.Next = second;

        var pruned = pruner.Prune(first.ValueTwoAhead());

        var copy = Assert.IsType<Ring>(pruned.Target);
        Assert.NotSame(first, copy);
        Assert.Same(copy, copy.Next!.Next);
        Assert.Equal(1, copy.Value);
        Assert.Null(copy.Next.Log);
        Assert.Same(first, second.Next);
    }

    [Fact]
    public void A_lambda_in_a_generic_method_is_pruned_once_its_display_class_is_closed()
    {
        var values = new[] { "a", "b" };

        var pruned = pruner.Prune(Scopes.CountPlus(values, new MemoryStream()));

        Assert.Same(values, Read(pruned.Target!, "values"));
        Assert.Null(Read(pruned.Target!, "stream"));
    }

    [Fact]
    public void User_static_fields_read_are_reported_but_compiler_caches_are_not()
    {
        var readsStatics = pruner.Prune(Scopes.UsesSettings());
        var usesCachedLambda = pruner.Prune(Scopes.UsesCachedLambda());

        Assert.Equal(
            ["Offset", "<Limit>k__BackingField"],
            readsStatics.StaticFieldsRead.Select(field => field.Name).Order(StringComparer.Ordinal).Reverse());
        Assert.All(readsStatics.StaticFieldsRead, field => Assert.Equal(typeof(Settings), field.DeclaringType));
        Assert.Empty(usesCachedLambda.StaticFieldsRead);
    }

    [Fact]
    public void A_method_is_analysed_once_however_many_times_its_delegates_are_pruned()
    {
        var analysis = new Analysis();
        pruner.Prune(analysis.Scale());
        var analysed = pruner.AnalysedMethods;

        var again = pruner.Prune(analysis.Scale());
        var fromAnotherObject = pruner.Prune(new Analysis().Scale());

        Assert.True(analysed > 0);
        Assert.Equal(analysed, pruner.AnalysedMethods);
        Assert.Equal(3, Read(again.Target!, "factor"));
        Assert.NotSame(again.Target, fromAnotherObject.Target);
    }

    private static T Rebind<T>(T function, PrunedClosure pruned) where T : Delegate =>
        (T)function.Method.CreateDelegate(typeof(T), pruned.Target);

    private static object? Read(object instance, string fieldName) =>
        (instance.GetType().GetField(fieldName, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"{instance.GetType().Name} has no field {fieldName}.")).GetValue(instance);

    // The compiler links a nested scope's closure to the enclosing one through a field named "CS$<>8__locals<n>".
    private static string OuterScopeField(object closure) =>
        closure.GetType().GetFields().Single(field => field.Name.StartsWith("CS$<>8__locals", StringComparison.Ordinal)).Name;

    private class Analysis
    {
        private readonly Stream log = new MemoryStream();
        private readonly CancellationTokenSource cancellation = new();
        private readonly int factor = 3;
        private readonly int offset = 5;

        public Func<int, int> Scale() => x => x * factor;

        public Func<int, int> CountWithCluster() => x => cancellation.IsCancellationRequested ? 0 : x;

        public Func<int, int> AddThroughHelper() => x => x + Offset();

        public Func<int, int> ScaleThroughLocalFunction()
        {
            return x => Scaled(x);

            int Scaled(int x) => x * factor;
        }

        public Func<int, int> SumOfScaled() => x => Enumerable.Range(0, x).Select(y => y * factor).Sum();

        public Func<int, int> HashOfSelf() => x => x + RuntimeHelpers.GetHashCode(this);

        private int Offset() => offset;
    }

    private class Shape
    {
        protected Stream? outline = new MemoryStream();

        public virtual int Area() => outline is null ? 0 : 1;
    }

    private sealed class Square : Shape
    {
        private readonly int side = 4;
        private readonly Stream texture = new MemoryStream();

        public override int Area() => side * side;
    }

    private sealed class ShapeHolder(Shape initialShape)
    {
        private readonly Stream log = new MemoryStream();
        private readonly Shape shape = initialShape;

        public Func<int, int> AreaPlus() => x => x + shape.Area();
    }

    private sealed class Ring
    {
        public int Value;
        public Ring? Next;
        public Stream? Log;

        public Func<int> ValueTwoAhead() => () => Next!.Next!.Value;
    }

    private sealed class ClusterUser(Cluster initialCluster)
    {
        private readonly Cluster cluster = initialCluster;
        private readonly int factor = 3;

        public Func<int, int> Scale() => x => x * factor;

        public Func<int, int> CountWorkers() => x => cluster.Workers.Count + x;
    }

    private sealed class Choice
    {
        public Ring? Left;
        public Ring? Right;
        public Stream? Log = new MemoryStream();
        private readonly int fallback = 9;

        public Func<int, int> PickOrFallBack() => x =>
        {
            try
            {
                return checked(x + 1) > 0 ? (x % 2 == 0 ? Left : Right)!.Value : 0;
            }
            catch (OverflowException)
            {
                return fallback;
            }
        };
    }

    private static class Settings
    {
        public static int Offset = 2;

        public static int Limit { get; set; } = 3;
    }

    private static class Scopes
    {
        public static List<Func<int>> Counters(int offset, Stream unrelated)
        {
            var counters = new List<Func<int>> { () => (int)unrelated.Length };
            for (var i = 0; i < 3; i++)
            {
                var copy = i;
                counters.Add(() => copy + offset);
            }

            return counters;
        }

        public static Func<int, int> ShiftThroughLocalFunction(int offset, Stream stream)
        {
            Func<long> keepsStreamInTheClosure = () => stream.Length;
            return x =>
            {
                return Shift();

                int Shift() => x + offset;
            };
        }

        public static Func<int, int> CountPlus<T>(T[] values, Stream stream)
        {
            Func<long> keepsStreamInTheClosure = () => stream.Length;
            return x => x + values.Length;
        }

        public static Func<int, int> UsesSettings() => x => x + Settings.Offset + Settings.Limit;

        public static Func<int, int> UsesCachedLambda() => x => new[] { x }.Select(y => y + 1).Sum();

        public static int Twice(int x) => 2 * x;
    }
}
