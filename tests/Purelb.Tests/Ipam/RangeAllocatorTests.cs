using System.Diagnostics;
using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>The per-range free/used structure: first-fit, out-of-order takes, and reuse without scanning.</summary>
public class RangeAllocatorTests
{
    [Fact]
    public void First_fit_takes_the_lowest_free_offset_including_freed_ones()
    {
        var r = new RangeAllocator(9);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(r.TryTakeFirst(out var o));
            Assert.Equal((UInt128)i, o);
        }
        Assert.True(r.Free(3));
        Assert.True(r.Free(1));
        Assert.True(r.TryTakeFirst(out var a));
        Assert.Equal((UInt128)1, a);
        Assert.True(r.TryTakeFirst(out var b));
        Assert.Equal((UInt128)3, b);
        Assert.True(r.TryTakeFirst(out var c));
        Assert.Equal((UInt128)5, c);
        Assert.Equal((UInt128)6, r.Used);
    }

    [Fact]
    public void Out_of_order_takes_are_skipped_by_first_fit()
    {
        var r = new RangeAllocator(5);
        Assert.True(r.TryTake(1));
        Assert.True(r.TryTake(2));
        Assert.False(r.TryTake(2));
        var got = new List<int>();
        while (r.TryTakeFirst(out var o)) got.Add((int)o);
        Assert.Equal([0, 3, 4, 5], got);
        Assert.Equal((UInt128)6, r.Used);
        Assert.False(r.TryPeekFirst(out _));
    }

    [Fact]
    public void Freeing_the_top_pulls_the_cursor_back()
    {
        var r = new RangeAllocator(3);
        while (r.TryTakeFirst(out _)) { }
        Assert.True(r.Free(2));
        Assert.True(r.Free(3));
        Assert.True(r.Free(1));
        Assert.False(r.Free(1));
        Assert.True(r.IsFree(1) && r.IsFree(2) && r.IsFree(3) && !r.IsFree(0));
        Assert.True(r.TryPeekFirst(out var p));
        Assert.Equal((UInt128)1, p);
        Assert.Equal((UInt128)1, r.Used);
    }

    [Fact]
    public void Whole_ipv6_space_works_at_both_ends()
    {
        var r = new RangeAllocator(UInt128.MaxValue);
        Assert.True(r.TryTake(UInt128.MaxValue));
        Assert.False(r.IsFree(UInt128.MaxValue));
        Assert.True(r.TryTakeFirst(out var o));
        Assert.Equal(UInt128.Zero, o);
        Assert.True(r.Free(UInt128.MaxValue));
        Assert.Equal((UInt128)1, r.Used);
    }

    [Fact]
    public void Churn_on_a_slash_64_never_scans_the_range()
    {
        // 20,000 allocations, random frees and re-allocations on a /64: each answer is the lowest free
        // address, and the whole run is fast only because nothing walks the 2^64 addresses.
        var ledger = Ledger(Local("default", v6: [P("2001:db8::/64")]));
        var rng = new Random(42);
        var held = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 20_000; i++) held.Add(ledger.Allocate(Req($"ns/s{i}", families: V6)).Addresses[0].ToString());
        var freed = new SortedSet<UInt128>();
        for (int i = 0; i < 5_000; i++)
        {
            int k = rng.Next(20_000);
            if (ledger.Release($"ns/s{k}").Released.Count > 0) freed.Add(IpAddr.Parse(held[k]).Value);
        }
        foreach (var expected in freed.ToList())
        {
            var got = ledger.Allocate(Req($"ns/re{expected}", families: V6)).Addresses[0];
            Assert.Equal(expected, got.Value);
        }
        var next = ledger.Allocate(Req("ns/after", families: V6)).Addresses[0];
        Assert.Equal("2001:db8::4e20", next.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        Assert.Equal((UInt128)1 << 64, ledger.Use("default").SizeV6);
        Assert.Equal((UInt128)20_001, ledger.Use("default").UsedV6);
    }

    [Fact]
    public void A_pin_near_the_end_of_a_slash_64_costs_nothing()
    {
        var ledger = Ledger(Local("default", v6: [P("2001:db8::/64")]));
        ledger.Allocate("ns/end", pins: ["2001:db8::ffff:ffff:ffff:ffff"]).Ok("2001:db8::ffff:ffff:ffff:ffff");
        ledger.Allocate("ns/first", families: V6).Ok("2001:db8::");
        ledger.Release("ns/end");
        Assert.Equal((UInt128)1, ledger.Use("default").UsedV6);
    }
}
