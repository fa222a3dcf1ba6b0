using JobQueue.Serialization;

namespace JobQueue.Tests.Execution;

/// <summary>
/// Hash collections run their items' GetHashCode while a value is decoded: an item that reaches a cycle of records
/// would recurse until the process dies of a stack overflow. Such values are refused as invalid data instead.
/// </summary>
public sealed class HashCycleDecodingTests
{
    private static readonly TypeAllowlist Allowlist = ValueCodecTests.Allowlist;

    [Fact]
    public void A_set_whose_item_is_cyclic_through_records_is_invalid_data_rather_than_a_stack_overflow()
    {
        var (first, second) = (new Link("first"), new Link("second"));
        var set = new HashSet<Link> { first };
        // Linked after it went in: the sender's set holds it, but hashing it now would never end.
        (first.Next, second.Next) = (second, first);

        var error = Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<HashSet<Link>>(ValueCodec.Encode(set, Allowlist), Allowlist));

        Assert.Contains("cycle", error.Message);
        Assert.Contains("HashSet<Link>", error.Message);
    }

    [Fact]
    public void A_dictionary_key_that_leads_into_a_cycle_read_earlier_is_invalid_data()
    {
        var (first, second) = (new Link("first"), new Link("second"));
        (first.Next, second.Next) = (second, first);
        var keys = new Dictionary<Link, int> { [new Link("third")] = 3 };
        keys.Keys.Single().Next = first;

        var error = Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<List<object>>(ValueCodec.Encode(new List<object> { first, keys }, Allowlist), Allowlist));

        Assert.Contains("cycle", error.Message);
    }

    [Fact]
    public void A_cycle_broken_by_an_object_hashed_by_identity_decodes()
    {
        var ring = new Ring("ring");
        ring.Members.Add(ring);
        var set = new HashSet<Ring> { ring };

        var decoded = Assert.Single(ValueCodec.Decode<HashSet<Ring>>(ValueCodec.Encode(set, Allowlist), Allowlist));

        Assert.Same(decoded, Assert.Single(decoded.Members));
    }

    [Fact]
    public void What_an_item_s_own_GetHashCode_throws_is_invalid_data()
    {
        var fussy = new Fussy { Name = "named" };
        var set = new HashSet<Fussy> { fussy };
        fussy.Name = null;

        var error = Assert.Throws<InvalidDataException>(() => ValueCodec.Decode<HashSet<Fussy>>(ValueCodec.Encode(set, Allowlist), Allowlist));

        Assert.Contains(nameof(NullReferenceException), error.Message);
    }

    public sealed record Link(string Name)
    {
        public Link? Next { get; set; }
    }

    /// <summary>Hashes its members list by identity (a list does not override GetHashCode), so a cycle through it ends.</summary>
    public sealed record Ring(string Name)
    {
        public List<Ring> Members { get; init; } = [];
    }

    public sealed class Fussy
    {
        public string? Name { get; set; }

        public override bool Equals(object? obj) => obj is Fussy other && other.Name == Name;

        public override int GetHashCode() => Name!.Length;
    }
}
