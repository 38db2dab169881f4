using System.Runtime.CompilerServices;
using Purelb.Ipam;
using Xunit;

namespace Purelb.Tests.Ipam;

/// <summary>The ledger's short lists behave as the <see cref="List{T}"/> they replaced, at every position, across the
/// switch between one inline item and the overflow array; and an address stays 24 bytes.</summary>
public class InlineListTests
{
    private sealed class Item(string name)
    {
        public override string ToString() => name;
    }

    [Fact]
    public void Every_insert_and_remove_matches_a_list()
    {
        var random = new Random(1234);
        var pool = Enumerable.Range(0, 12).Select(i => new Item($"i{i}")).ToArray();
        var inline = new InlineList<Item>();
        var expected = new List<Item>();
        for (int step = 0; step < 5000; step++)
        {
            if (expected.Count == 0 || (expected.Count < 6 && random.Next(2) == 0))
            {
                var item = pool[random.Next(pool.Length)];
                var at = random.Next(expected.Count + 1);
                inline.Insert(at, item);
                expected.Insert(at, item);
            }
            else if (random.Next(2) == 0)
            {
                var at = random.Next(expected.Count);
                inline.RemoveAt(at);
                expected.RemoveAt(at);
            }
            else
            {
                var item = pool[random.Next(pool.Length)];
                Assert.Equal(expected.Remove(item), inline.Remove(item));
            }
            Assert.Equal(expected.Count, inline.Count);
            Assert.Equal(expected, inline.ToArray(i => i));
            Assert.Equal(expected.Where(i => i.ToString().EndsWith('1')).Select(i => i.ToString()), inline.ToArray(i => i.ToString(), where: i => i.ToString().EndsWith('1')));
            var walked = new List<Item>();
            foreach (var i in inline) walked.Add(i);
            Assert.Equal(expected, walked);
            foreach (var item in pool.Take(4))
            {
                Assert.Equal(expected.IndexOf(item), inline.IndexOf(item));
                Assert.Equal(expected.Contains(item), inline.Contains(item));
            }
        }
    }

    [Fact]
    public void Out_of_range_positions_throw_as_a_list_does()
    {
        var inline = new InlineList<Item>();
        Assert.Throws<ArgumentOutOfRangeException>(() => inline[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => inline.Insert(1, new Item("a")));
        inline.Add(new Item("a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => inline.RemoveAt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => inline[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => inline[-1]);
    }

    [Fact]
    public void Predicates_see_every_item_in_order()
    {
        var a = new Item("a");
        var b = new Item("b");
        var c = new Item("c");
        var inline = new InlineList<Item>();
        inline.Add(a);
        inline.Add(b);
        inline.Insert(0, c);
        Assert.Same(b, inline.Find(i => i.ToString() == "b"));
        Assert.Null(inline.Find(i => i.ToString() == "z"));
        Assert.True(inline.Exists(i => i == a));
        Assert.False(inline.TrueForAll(i => i != c));
        Assert.True(inline.TrueForAll(i => i.ToString().Length == 1));
        Assert.Equal([c, b], inline.FindAll(i => i != a));
    }

    [Fact]
    public void An_address_is_24_bytes()
    {
        // A UInt128 field would pad it to 32: the ledger holds one per address in use, twice.
        Assert.Equal(24, Unsafe.SizeOf<IpAddr>());
    }
}
