using Purelb.Ipam;
using Xunit;

namespace Purelb.Tests.Ipam;

/// <summary>Ports of upstream iprange_test.go (allocator.md §7.1) plus the §8.1/§8.3 fixes.</summary>
public class IpRangeTests
{
    [Theory]
    [InlineData("1.1.1.1/32", "1.1.1.1", "1.1.1.1")]
    [InlineData("1.1.1.0/31", "1.1.1.0", "1.1.1.1")]
    [InlineData("1.1.1.0/24", "1.1.1.0", "1.1.1.255")]
    [InlineData("1.1.0.0/16", "1.1.0.0", "1.1.255.255")]
    [InlineData("1.0.0.0/8", "1.0.0.0", "1.255.255.255")]
    [InlineData("2001:db8::1/112", "2001:db8::1", "2001:db8::ffff")]
    public void ParseCIDR_gives_first_and_last(string text, string first, string last)
    {
        var r = IpRange.Parse(text);
        Assert.Equal(first, r.First.ToString());
        Assert.Equal(last, r.Last.ToString());
    }

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("1.1.1.256/24")]
    [InlineData("1.1.1/24")]
    [InlineData("1.1.1.1/33")]
    [InlineData(" 1.1.1.0/24")]
    public void ParseCIDR_rejects_bad_text(string text)
    {
        Assert.False(IpRange.TryParse(text, out _, out var error));
        Assert.Equal($"invalid CIDR \"{text}\"", error);
    }

    [Theory]
    [InlineData("1.1.1.1-1.1.1.5", "1.1.1.1", "1.1.1.5")]
    [InlineData("1.1.1.1 - 1.1.1.5", "1.1.1.1", "1.1.1.5")]
    [InlineData("  1.1.1.1 -1.1.1.5 ", "1.1.1.1", "1.1.1.5")]
    [InlineData("2001:db8::1-2001:db8::5", "2001:db8::1", "2001:db8::5")]
    [InlineData("2001:db8::1 - 2001:db8::5", "2001:db8::1", "2001:db8::5")]
    public void ParseRange_accepts_from_to_with_or_without_spaces(string text, string first, string last)
    {
        var r = IpRange.Parse(text);
        Assert.Equal(first, r.First.ToString());
        Assert.Equal(last, r.Last.ToString());
        Assert.Equal(text, r.Raw);
    }

    [Theory]
    [InlineData("1.1.1.1-", "invalid end IP \"\"")]
    [InlineData("1.1.1.x-1.1.1.5", "invalid start IP \"1.1.1.x\"")]
    [InlineData("1.1.1.1-1.1.1.300", "invalid end IP \"1.1.1.300\"")]
    [InlineData("1.1.1.5-1.1.1.1", "is after end")]
    [InlineData("1.1.1.1-2001:db8::1", "different IP families")]
    public void ParseRange_rejects_bad_ends_reversed_and_mixed_ranges(string text, string errorPart)
    {
        Assert.False(IpRange.TryParse(text, out _, out var error));
        Assert.StartsWith($"invalid IP range \"{text}\"", error);
        Assert.Contains(errorPart, error);
    }

    [Fact]
    public void NewIPRange_dispatches_between_forms()
    {
        Assert.Equal(256, (int)IpRange.Parse("10.0.0.0/24").Size);
        Assert.Equal(11, (int)IpRange.Parse("10.0.0.0-10.0.0.10").Size);
        Assert.Equal(3, (int)IpRange.Parse("fc00::1-fc00::3").Size);
    }

    [Theory]
    [InlineData("1.1.1.1/32", "1.1.1.2/32", false)]
    [InlineData("1.1.1.0/24", "1.1.1.4/30", true)]
    [InlineData("1.1.1.4/30", "1.1.1.0/24", true)]
    [InlineData("1.1.1.0-1.1.1.5", "1.1.1.5-1.1.1.9", true)]
    [InlineData("1.1.1.5-1.1.1.9", "1.1.1.0-1.1.1.5", true)]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", true)]
    [InlineData("10.0.0.0/8", "fc00::/8", false)]
    public void Overlaps_is_symmetric_interval_overlap_including_containment(string a, string b, bool overlap)
    {
        Assert.Equal(overlap, IpRange.Parse(a).Overlaps(IpRange.Parse(b)));
        Assert.Equal(overlap, IpRange.Parse(b).Overlaps(IpRange.Parse(a)));
    }

    [Fact]
    public void First_is_the_address_as_written()
    {
        Assert.Equal("1.1.1.1", IpRange.Parse("1.1.1.1/32").First.ToString());
        Assert.Equal("192.0.2.5", IpRange.Parse("192.0.2.5/29").First.ToString());
    }

    [Fact]
    public void Next_walks_the_range_and_ends_with_null()
    {
        var r = IpRange.Parse("1.1.1.2/31");
        Assert.Null(r.Next(IpAddr.Parse("1.1.1.1")));
        var a = r.First;
        Assert.Equal("1.1.1.2", a.ToString());
        a = r.Next(a)!.Value;
        Assert.Equal("1.1.1.3", a.ToString());
        Assert.Null(r.Next(a));
    }

    [Fact]
    public void Family_comes_from_the_start_address()
    {
        Assert.Equal(IpFamily.IPv4, IpRange.Parse("1.1.1.0/24").Family);
        Assert.Equal(IpFamily.IPv6, IpRange.Parse("2001:db8::/64").Family);
        Assert.Equal(2, IpFamily.IPv4.AddressFamilyNumber());
        Assert.Equal(10, IpFamily.IPv6.AddressFamilyNumber());
    }

    [Theory]
    [InlineData("1.1.1.0", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("1.1.0.0", false)]
    [InlineData("1.1.1.2", false)]
    [InlineData("::ffff:1.1.1.1", true)]
    [InlineData("2001:db8::1", false)]
    public void Contains_is_inclusive_at_both_ends(string address, bool contained) =>
        Assert.Equal(contained, IpRange.Parse("1.1.1.0/31").Contains(IpAddr.Parse(address)));

    [Theory]
    [InlineData("1.1.1.2-1.1.1.3", true)]
    [InlineData("1.1.1.1-1.1.1.3", false)]
    [InlineData("1.1.1.2-1.1.1.4", false)]
    public void ContainedBy_needs_both_ends_inside(string range, bool inside) =>
        Assert.Equal(inside, IpRange.Parse(range).ContainedBy(IpNetwork.Parse("1.1.1.2/31")));

    [Fact]
    public void Address_integer_is_exact_in_128_bits()
    {
        // Upstream kept only the low 64 bits; we keep all 128, so distinct high halves stay distinct.
        var a = IpAddr.Parse("2001:db8::1");
        var b = IpAddr.Parse("2001:db9::1");
        Assert.NotEqual(a.Value, b.Value);
        Assert.Equal((UInt128)1, b.Value - a.Value >> 96);
        // The 4-byte and v4-mapped forms are one address here (upstream gave them different integers).
        Assert.Equal(IpAddr.Parse("1.2.3.4"), IpAddr.Parse("::ffff:1.2.3.4"));
        Assert.Equal((UInt128)0x01020304, IpAddr.Parse("1.2.3.4").Value);
    }

    [Theory]
    [InlineData("1.1.1.0/24", "256")]
    [InlineData("1.1.1.0-1.1.1.9", "10")]
    [InlineData("2001:db8::1/112", "65535")]
    [InlineData("2001:db8::1-2001:db8::5", "5")]
    [InlineData("2001:db8::/64", "18446744073709551616")]
    [InlineData("2001:db8::/48", "1208925819614629174706176")]
    [InlineData("2001:db8::-2001:db9::", "79228162514264337593543950337")]
    [InlineData("::/0", "340282366920938463463374607431768211455")]
    public void Size_is_exact_and_never_wraps(string text, string size) =>
        Assert.Equal(UInt128.Parse(size), IpRange.Parse(text).Size);

    [Theory]
    [InlineData("192.168.1.0/24")]
    [InlineData("192.168.1.1-192.168.1.10")]
    [InlineData("192.168.1.1 - 192.168.1.10")]
    [InlineData("2001:db8::/120")]
    public void Raw_keeps_the_text_verbatim(string text) => Assert.Equal(text, IpRange.Parse(text).Raw);

    [Fact]
    public void String_form_is_from_dash_to()
    {
        Assert.Equal("(1.1.1.0 - 1.1.1.255)", IpRange.Parse("1.1.1.0/24").ToString());
        Assert.Equal("(2001:db8::1 - 2001:db8::5)", IpRange.Parse("2001:db8::1-2001:db8::5").ToString());
    }

    [Theory]
    [InlineData("1.2.3.4", IpFamily.IPv4)]
    [InlineData("::ffff:1.2.3.4", IpFamily.IPv4)]
    [InlineData("2001:db8::1", IpFamily.IPv6)]
    [InlineData("::1", IpFamily.IPv6)]
    public void Address_family_treats_v4_mapped_as_v4(string text, IpFamily family) =>
        Assert.Equal(family, IpAddr.Parse(text).Family);

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1.2.3")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("fe80::1%eth0")]
    [InlineData("1.2.3.4.5")]
    [InlineData("::g")]
    public void Address_parse_is_strict(string text) => Assert.False(IpAddr.TryParse(text, out _));

    [Theory]
    [InlineData("2001:DB8::0:1", "2001:db8::1")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1")]
    public void Address_text_is_canonical(string text, string canonical) => Assert.Equal(canonical, IpAddr.Parse(text).ToString());

    [Fact]
    public void Networks_compare_by_normalised_network()
    {
        Assert.Equal(IpNetwork.Parse("192.0.2.0/24"), IpNetwork.Parse("192.0.2.77/24"));
        Assert.Equal(IpNetwork.Parse("2001:db8:10::/64"), IpNetwork.Parse("2001:DB8:10:0::/64"));
        Assert.NotEqual(IpNetwork.Parse("192.0.2.0/24"), IpNetwork.Parse("192.0.2.0/25"));
        Assert.Equal("2001:db8:10::/64", IpNetwork.Parse("2001:db8:10::5/64").ToString());
    }
}
