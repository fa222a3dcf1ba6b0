using System.Numerics;
using JobQueue.Serialization;
using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Execution;

public sealed class ValueCodecTests
{
    internal static readonly TypeAllowlist Allowlist = TypeAllowlist.For([typeof(ValueCodecTests).Assembly]);

    public static TheoryData<object?, Type> Values => new()
    {
        { true, typeof(bool) }, { (byte)250, typeof(byte) }, { (sbyte)-100, typeof(sbyte) }, { (short)-30000, typeof(short) },
        { (ushort)65000, typeof(ushort) }, { int.MinValue, typeof(int) }, { -1, typeof(int) }, { uint.MaxValue, typeof(uint) },
        { long.MinValue, typeof(long) }, { ulong.MaxValue, typeof(ulong) }, { 'é', typeof(char) }, { 1.5f, typeof(float) },
        { double.NegativeInfinity, typeof(double) }, { (Half)0.25, typeof(Half) }, { (nint)(-5), typeof(nint) }, { (nuint)5, typeof(nuint) },
        { Int128.MinValue, typeof(Int128) }, { UInt128.MaxValue, typeof(UInt128) }, { -79228162514264337593543950335m, typeof(decimal) },
        { 0.000001m, typeof(decimal) }, { new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc), typeof(DateTime) },
        { new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(-5.5)), typeof(DateTimeOffset) }, { TimeSpan.FromTicks(-123456789), typeof(TimeSpan) },
        { new DateOnly(1, 1, 1), typeof(DateOnly) }, { TimeOnly.MaxValue, typeof(TimeOnly) }, { Guid.NewGuid(), typeof(Guid) },
        { BigInteger.Pow(-7, 200), typeof(BigInteger) }, { "grüße 😀", typeof(string) }, { "", typeof(string) }, { null, typeof(string) },
        { new byte[] { 0, 1, 255 }, typeof(byte[]) }, { Colour.Blue, typeof(Colour) }, { DayOfWeek.Friday, typeof(DayOfWeek) },
        { (Colour)77, typeof(Colour) }, { 5, typeof(int?) }, { null, typeof(int?) }, { new[] { new[] { 1, 2 }, [], null! }, typeof(int[][]) },
        { new List<string?> { "a", null, "c" }, typeof(List<string?>) }, { new HashSet<long> { 3, 1, 2 }, typeof(HashSet<long>) },
        { new Dictionary<string, List<Point?>> { ["a"] = [new Point(1, 2), null], ["b"] = [] }, typeof(Dictionary<string, List<Point?>>) },
        { new Queue<int>([1, 2, 3]), typeof(Queue<int>) }, { new Stack<string>(["bottom", "top"]), typeof(Stack<string>) },
        { new KeyValuePair<string, int>("k", 9), typeof(KeyValuePair<string, int>) }, { Tuple.Create(1, "two", 3.0), typeof(Tuple<int, string, double>) },
        { Tuple.Create(1, 2, 3, 4, 5, 6, 7, 8), typeof(Tuple<int, int, int, int, int, int, int, Tuple<int>>) },
        { (1, "two", 3L, 4.0, '5', (byte)6, 7u, "eight", 9), typeof((int, string, long, double, char, byte, uint, string, int)) },
        { ValueTuple.Create(), typeof(ValueTuple) }, { new Point(3, -4), typeof(Point) },
        { new Measurement("t", 2.5, new DateTime(2020, 1, 1)) { Path = [new(1, 1)], Colour = Colour.Red }, typeof(Measurement) },
        { new Money(12.34m, "EUR"), typeof(Money) }, { new Money(1m, "USD"), typeof(Money?) }, { new Generic<Point> { Value = new(1, 2), Values = [null] }, typeof(Generic<Point>) },
        { new Holder { Anything = 42, Shape = new Circle(2), Pet = new Dog { Name = "Rex", Barks = 3 }, Numbers = new List<int> { 1 } }, typeof(Holder) },
        { new Holder { Anything = new object?[] { "s", 1.5, null, DayOfWeek.Monday, new List<Point> { new(0, 0) } } }, typeof(Holder) },
        { new Holder { Anything = (Colour.Red, new[] { 1 }), Numbers = new[] { 4, 5 } }, typeof(Holder) },
        { new Dog { Name = "Fido" }, typeof(Animal) }, { new Circle(1), typeof(object) }, { "text", typeof(object) },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_allowed_kind_of_value_comes_back_equal(object? value, Type type)
    {
        var decoded = RoundTrip(value, type);

        Assert.Equivalent(value, decoded, strict: true);
        Assert.Equal(value?.GetType(), decoded?.GetType());
    }

    [Fact]
    public void Typed_entry_points_round_trip_and_keep_what_equality_ignores()
    {
        var local = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Local);
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["Alice"] = 1 };

        Assert.Equal(DateTimeKind.Local, ValueCodec.Decode<DateTime>(ValueCodec.Encode(local, Allowlist), Allowlist).Kind);
        Assert.Equal(1, ValueCodec.Decode<Dictionary<string, int>>(ValueCodec.Encode(names, Allowlist), Allowlist)["ALICE"]);
        Assert.Equal(7, ValueCodec.Decode<Account>(ValueCodec.Encode(new Account("me", 7), Allowlist), Allowlist).Secret());
        Assert.Equal(["top", "bottom"], ValueCodec.Decode<Stack<string>>(ValueCodec.Encode(new Stack<string>(["bottom", "top"]), Allowlist), Allowlist));
    }

    [Fact]
    public void Small_values_take_few_bytes()
    {
        Assert.Equal(2, ValueCodec.Encode(42, Allowlist).Length);
        Assert.Equal(4, ValueCodec.Encode("hi", Allowlist).Length);
        Assert.Equal(2, ValueCodec.Encode<string?>(null, Allowlist).Length);
    }

    [Fact]
    public void Cycles_and_shared_references_come_back_as_one_graph()
    {
        var a = new Node { Name = "a" };
        var b = new Node { Name = "b", Next = a };
        a.Next = b;
        a.Children.Add(b);
        var shared = new List<int> { 1, 2 };
        var pair = new Holder { Anything = shared, Numbers = shared };

        var node = (Node)RoundTrip(a, typeof(Node))!;
        var holder = (Holder)RoundTrip(pair, typeof(Holder))!;

        Assert.Equal("b", node.Next!.Name);
        Assert.Same(node, node.Next.Next);
        Assert.Same(node.Next, node.Children[0]);
        Assert.Same(holder.Anything, holder.Numbers);
        Assert.Equal([1, 2], holder.Numbers!);
    }

    [Fact]
    public void A_closure_with_this_and_nested_scopes_runs_the_same_after_decoding()
    {
        var function = new Calculator { Offset = 100 }.MakeFunction(3);

        var bytes = ValueCodec.Encode(function.Target, function.Target!.GetType(), Allowlist, "closure");
        var decoded = ValueCodec.Decode(bytes, function.Target.GetType(), Allowlist);
        var rebuilt = function.Method.CreateDelegate<Func<int, int>>(decoded);

        Assert.Equal(function(5), rebuilt(5));
    }

    [Fact]
    public void A_captured_cluster_is_refused_with_its_path_from_the_closure()
    {
        var function = new ClusterUser().MakeFunction(1);

        var error = Assert.Throws<UnsupportedValueException>(() => ValueCodec.Encode(function.Target, function.Target!.GetType(), TypeAllowlist.Client, "closure"));

        Assert.Equal("closure.<>4__this.cluster", error.Path);
        Assert.Contains("closure.<>4__this.cluster: SlurmCluster cannot be sent to a worker; don't use the cluster or a future inside the function", error.Message);
    }

    public static TheoryData<object, string, string> NotData => new()
    {
        { Task.FromResult(1), "Task<int>", "await it first" },
        { Enumerable.Range(0, 3).Select(x => x * 2), "", "call ToList() or ToArray()" },
        { new MemoryStream(), "MemoryStream", "create it inside the function" },
        { new CancellationTokenSource(), "CancellationTokenSource", "create it inside the function" },
        { CancellationToken.None, "CancellationToken", "create it inside the function" },
        { Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "NullLogger", "create it inside the function" },
        { new Func<int>(() => 1), "Func<int>", "call a method instead" },
        { typeof(string), "", "reflection metadata" },
        { new System.Diagnostics.Process(), "Process", "create it inside the function" },
        { new int[2, 2], "int[,]", "jagged array" },
        { new Dictionary<string, int>(EqualityComparer<string>.Create((a, b) => a?.Length == b?.Length, s => s.Length)), "comparer", "use the default comparer" },
        { new Lazy<int>(() => 1), "Lazy<int>", "send data instead" },
    };

    [Theory]
    [MemberData(nameof(NotData))]
    public void A_value_that_is_not_data_is_refused_with_its_path_and_a_hint(object value, string name, string hint)
    {
        var holder = new Holder { Anything = new List<object> { 1, value } };

        var error = Assert.Throws<UnsupportedValueException>(() => ValueCodec.Encode(holder, TypeAllowlist.Client, "argument"));

        Assert.StartsWith("argument.Anything[1]", error.Message);
        Assert.Contains(name, error.Message);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public void A_null_in_a_field_of_a_type_that_is_not_data_travels()
    {
        var decoded = ValueCodec.Decode<Logged>(ValueCodec.Encode(new Logged { Value = 3 }, Allowlist), Allowlist);

        Assert.Null(decoded.Log);
        Assert.Equal(3, decoded.Value);
        Assert.False(Allowlist.Allows(typeof(Generic<Stream>)));
    }

    [Fact]
    public void A_type_outside_the_allowed_assemblies_is_refused_both_ways()
    {
        var none = TypeAllowlist.For([]);

        var encoding = Assert.Throws<UnsupportedValueException>(() => ValueCodec.Encode(new Point(1, 2), none, "result"));
        var decoding = Assert.Throws<DisallowedTypeException>(() => ValueCodec.Decode<Point>(ValueCodec.Encode(new Point(1, 2), Allowlist), none));

        Assert.Contains("result: Point cannot be sent: its assembly JobQueue.Tests is not among the assemblies allowed here", encoding.Message);
        Assert.Contains("Point", decoding.Message);
        Assert.False(none.Allows(typeof(Point)));
        Assert.True(Allowlist.Allows(typeof(Dictionary<string, Point[]>)));
        Assert.False(Allowlist.Allows(typeof(List<Stream>)));
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_refused_when_encoding()
    {
        var chain = new Node();
        for (var i = 0; i < 600; i++)
        {
            chain = new Node { Next = chain };
        }

        var error = Assert.Throws<UnsupportedValueException>(() => ValueCodec.Encode(chain, Allowlist));

        Assert.Contains("nests deeper than 512", error.Message);
    }

    [Fact]
    public void Types_of_a_collectible_load_context_round_trip_and_names_resolve_within_the_readers_allowlist()
    {
        var context = new System.Runtime.Loader.AssemblyLoadContext("codec test", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(typeof(Point).Assembly.Location);
            var type = assembly.GetType(typeof(Point).FullName!)!;
            var value = Activator.CreateInstance(type, 3, 4)!;
            var theirs = TypeAllowlist.For([assembly]);

            var decoded = ValueCodec.Decode(ValueCodec.Encode(value, typeof(object), theirs, "value"), typeof(object), theirs);

            Assert.Equal(value, decoded);
            Assert.NotSame(typeof(Point), type);
            // Names resolve within the reader's allowlist: the same bytes read elsewhere give that allowlist's version of the type.
            Assert.IsType<Point>(ValueCodec.Decode(ValueCodec.Encode(value, typeof(object), theirs, "value"), typeof(object), Allowlist));
        }
        finally
        {
            context.Unload();
        }
    }

    internal static object? RoundTrip(object? value, Type type)
    {
        var bytes = ValueCodec.Encode(value, type, Allowlist, "value");
        var decoded = ValueCodec.Decode(bytes, type, Allowlist);
        // Encoding what was decoded gives the same bytes: the whole graph, shape and sharing included, came back.
        Assert.Equal(bytes, ValueCodec.Encode(decoded, type, Allowlist, "value"));
        return decoded;
    }

    private sealed class Calculator
    {
        public int Offset { get; init; }

        public Func<int, int> MakeFunction(int factor)
        {
            var scale = new List<int> { factor };
            Func<int, int>? function = null;
            for (var round = 1; round <= 1; round++)
            {
                var bonus = round * 10;
                function = x => (x * scale[0]) + bonus + Offset;
            }

            return function!;
        }
    }

    private sealed class ClusterUser
    {
        private readonly SlurmCluster cluster = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" });

        public Func<int, int> MakeFunction(int offset) => x => x + offset + cluster.Workers.Count;
    }
}
