using JobQueue.Serialization;

namespace JobQueue.Tests.Execution;

/// <summary>Bytes that did not come from the encoder: crafted to name other types, truncated, or random.</summary>
public sealed class ValueCodecDecodingTests
{
    private static readonly TypeAllowlist Allowlist = ValueCodecTests.Allowlist;

    private static readonly Type[] DeclaredTypes =
        [typeof(object), typeof(Holder), typeof(List<object>), typeof(Dictionary<string, object>), typeof(int[][]), typeof(string), typeof(Measurement), typeof(Node), typeof(long)];

    [Theory]
    [InlineData("System.Diagnostics.Process", "System.Diagnostics.Process")]
    [InlineData("System.Private.CoreLib", "System.IO.FileInfo")]
    [InlineData("JobQueue", "JobQueue.Clusters.Slurm.SlurmCluster")]
    [InlineData("JobQueue.Tests", "JobQueue.Tests.Execution.NoSuchType")]
    [InlineData("JobQueue.Tests", "System.Collections.Generic.List`1[[System.Diagnostics.Process, System.Diagnostics.Process]]")]
    public void Bytes_naming_a_type_outside_the_allowlist_are_refused_with_its_name(string assembly, string type)
    {
        var bytes = ValueCodec.CraftValueNamingType(assembly, type);

        foreach (var declared in new[] { typeof(object), typeof(Holder), typeof(IShape) })
        {
            var error = Assert.Throws<DisallowedTypeException>(() => ValueCodec.Decode(bytes, declared, Allowlist));
            Assert.Equal($"{type}, {assembly}", error.TypeName);
            Assert.Contains(type, error.Message);
        }
    }

    [Fact]
    public void A_user_type_of_an_assembly_the_allowlist_lacks_is_refused_though_it_is_loaded()
    {
        var bytes = ValueCodec.CraftValueNamingType("JobQueue.Tests", typeof(Point).FullName!);

        var error = Assert.Throws<DisallowedTypeException>(() => ValueCodec.Decode<object>(bytes, TypeAllowlist.For([])));

        Assert.Contains("JobQueue.Tests.Execution.Point", error.Message);
    }

    [Fact]
    public void A_framework_collection_of_a_type_outside_the_allowlist_is_refused()
    {
        // List<SlurmCluster>: the known generic List<> with a type argument JobQueue would never send.
        var bytes = Craft(writer =>
        {
            writer.WriteByte(2);
            writer.WriteVarUInt(0);
            writer.WriteByte(2);
            writer.WriteVarUInt(1);
            writer.WriteByte(5);
            writer.WriteString("JobQueue");
            writer.WriteString("JobQueue.Clusters.Slurm.SlurmCluster");
            writer.WriteVarUInt(0);
            writer.WriteVarUInt(0);
        });

        var error = Assert.Throws<DisallowedTypeException>(() => ValueCodec.Decode<object>(bytes, TypeAllowlist.Client));

        Assert.Contains("SlurmCluster", error.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_refused_when_decoding()
    {
        // Node after Node after Node..., each an exact-type slot in the previous one's first field (Name is a string: 0 = null).
        var bytes = Craft(writer =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                writer.WriteByte(1);
                writer.WriteByte(0);
            }
        });

        var error = Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<Node>(bytes, Allowlist));

        Assert.Contains("deeper than 512", error.Message);
    }

    [Fact]
    public void A_count_larger_than_the_bytes_left_is_refused_before_allocating()
    {
        var bytes = Craft(writer =>
        {
            writer.WriteByte(1);
            writer.WriteVarUInt(int.MaxValue);
        });

        var error = Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<long[]>(bytes, Allowlist));

        Assert.Contains("exceeds the 0 bytes left", error.Message);
    }

    [Fact]
    public void Every_truncation_of_a_valid_value_is_invalid_data()
    {
        var value = new Holder { Anything = new object?[] { "s", 1.5, null, DayOfWeek.Monday, new Measurement("m", 1, DateTime.UnixEpoch) }, Shape = new Circle(1), Numbers = [1, 2] };
        var bytes = ValueCodec.Encode(value, Allowlist);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<Holder>(bytes.AsSpan(0, length), Allowlist));
        }
    }

    [Fact]
    public void Random_and_corrupted_bytes_fail_only_as_invalid_or_disallowed()
    {
        var random = new Random(20240229);
        var valid = ValueCodec.Encode(new Holder { Anything = new Dictionary<string, object> { ["a"] = new List<Point> { new(1, 2) } }, Pet = new Dog() }, Allowlist);
        var failures = 0;
        for (var i = 0; i < 400; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                // Half of the random buffers start with the right format version, to get past the first check.
                bytes = new byte[random.Next(1, 64)];
                random.NextBytes(bytes);
                bytes[0] = i % 4 == 0 ? (byte)1 : bytes[0];
            }
            else
            {
                bytes = (byte[])valid.Clone();
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            foreach (var declared in DeclaredTypes)
            {
                try
                {
                    ValueCodec.Decode(bytes, declared, Allowlist);
                }
                catch (Exception exception)
                {
                    Assert.True(ValueCodec.IsDecodingFailure(exception), $"{declared.Name} from [{Convert.ToHexString(bytes)}]: {exception}");
                    failures++;
                }
            }
        }

        Assert.True(failures > 400 * DeclaredTypes.Length / 2, $"only {failures} decodings failed");
    }

    private static byte[] Craft(Action<WireWriter> write)
    {
        var writer = WireWriter.Rent(Allowlist);
        try
        {
            writer.WriteByte(1);
            write(writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Return();
        }
    }
}
