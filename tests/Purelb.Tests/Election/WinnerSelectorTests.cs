using System.Net;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

public class WinnerSelectorTests
{
    private static readonly string[] TestNodes = ["test-node0", "test-node1", "test-node2"];
    private static readonly string[] AbcNodes = ["node-a", "node-b", "node-c"];

    // Upstream's unit-test vectors (agent.md §2.5), recomputed independently with SHA-256.
    [Theory]
    [InlineData("test", "test-key", "test-node0")]
    [InlineData("test", "test-key-nodeXX", "test-node1")]
    [InlineData("test", "test-key-foo", "test-node2")]
    [InlineData("test", "192.168.1.100", "test-node1")]
    [InlineData("test", "2001:db8::1", "test-node0")]
    [InlineData("abc", "192.168.1.100", "node-c")]
    [InlineData("abc", "192.168.1.50", "node-c")]
    [InlineData("abc", "10.5.5.5", "node-a")]
    [InlineData("abc", "2001:db8::10", "node-b")]
    public void Upstream_vectors(string set, string key, string winner)
    {
        var nodes = set == "test" ? TestNodes : AbcNodes;
        Assert.Equal(winner, WinnerSelector.Winner(key, nodes));
        // Order of the candidate list never matters.
        Assert.Equal(winner, WinnerSelector.Winner(key, nodes.Reverse()));
        Assert.Equal(winner, WinnerSelector.Rank(key, nodes)[0]);
    }

    [Fact]
    public void Digest_is_sha256_of_node_hash_key()
    {
        Span<byte> d = stackalloc byte[32];
        WinnerSelector.Digest("node-a", "10.5.5.5", d);
        Assert.Equal("3384aa06eda57b90", Convert.ToHexStringLower(d[..8]));
    }

    [Fact]
    public void No_candidates_no_winner() => Assert.Null(WinnerSelector.Winner("10.0.0.1", []));

    [Fact]
    public void Rank_is_failover_order()
    {
        var rank = WinnerSelector.Rank("192.168.1.100", AbcNodes);
        Assert.Equal(3, rank.Count);
        Assert.Equal("node-c", rank[0]);
        // Removing the winner promotes the second in rank: the same answer every node computes.
        Assert.Equal(rank[1], WinnerSelector.Winner("192.168.1.100", AbcNodes.Where(n => n != rank[0])));
    }

    // Go net.IP.String() spellings: the key must be byte-identical with upstream's.
    [Theory]
    [InlineData("192.168.1.100", "192.168.1.100")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("2001:DB8::1", "2001:db8::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("::1.2.3.4", "::102:304")]
    [InlineData("fe80::", "fe80::")]
    [InlineData("1:0:0:0:0:0:0:0", "1::")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:0:1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1")]
    [InlineData("0:0:1:0:0:0:0:0", "0:0:1::")]
    public void Election_key_matches_go_formatting(string input, string expected) =>
        Assert.Equal(expected, ElectionKey.Format(IPAddress.Parse(input)));

    [Fact]
    public void Affinity_narrows_to_preferred_candidates()
    {
        // Without preference node-c wins 192.168.1.100; preferring a and b elects among those two only.
        var (w, fellBack) = AddressElection.WinnerWithPreference("192.168.1.100", AbcNodes, ["node-b", "node-a", "elsewhere"]);
        Assert.Equal(WinnerSelector.Winner("192.168.1.100", ["node-a", "node-b"]), w);
        Assert.NotEqual("node-c", w);
        Assert.False(fellBack);
    }

    [Fact]
    public void Affinity_with_no_preferred_candidate_falls_back_and_says_so()
    {
        var (w, fellBack) = AddressElection.WinnerWithPreference("192.168.1.100", AbcNodes, ["node-z"]);
        Assert.Equal("node-c", w);
        Assert.True(fellBack);
    }

    [Fact]
    public void Empty_preference_is_plain_winner_without_fallback()
    {
        var (w, fellBack) = AddressElection.WinnerWithPreference("10.5.5.5", AbcNodes, []);
        Assert.Equal("node-a", w);
        Assert.False(fellBack);
    }
}
