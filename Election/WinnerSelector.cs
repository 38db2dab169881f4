using System.Text;

namespace Purelb.Election;

/// <summary>
/// Rendezvous hashing over candidate nodes: the winner for a key is the candidate whose
/// SHA-256 of the UTF-8 bytes <c>"&lt;node&gt;#&lt;key&gt;"</c> is smallest when compared as unsigned bytes.
/// Bit-exact with upstream PureLB so a cluster in the middle of a rolling upgrade agrees.
/// </summary>
public static class WinnerSelector
{
    private const int DigestLength = Sha256.DigestLength;

    /// <summary>The winning candidate, or null when there are none.</summary>
    public static string? Winner(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        Span<byte> bestDigest = stackalloc byte[DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
        foreach (var candidate in candidates)
        {
            Digest(candidate, key, digest);
            if (best is null || Compare(digest, bestDigest, candidate, best) < 0)
            {
                best = candidate;
                digest.CopyTo(bestDigest);
            }
        }
        return best;
    }

    /// <summary>The candidates ordered from winner to last: the failover order for the key.</summary>
    public static IReadOnlyList<string> Rank(string key, IEnumerable<string> candidates)
    {
        var scored = candidates.Distinct(StringComparer.Ordinal)
            .Select(c =>
            {
                var d = new byte[DigestLength];
                Digest(c, key, d);
                return (Node: c, Digest: d);
            })
            .ToList();
        scored.Sort((a, b) => Compare(a.Digest, b.Digest, a.Node, b.Node));
        return scored.Select(s => s.Node).ToArray();
    }

    /// <summary>SHA-256 of <c>node#key</c> into <paramref name="destination"/> (32 bytes).</summary>
    public static void Digest(string node, string key, Span<byte> destination)
    {
        int length = Encoding.UTF8.GetByteCount(node) + 1 + Encoding.UTF8.GetByteCount(key);
        Span<byte> input = length <= 512 ? stackalloc byte[length] : new byte[length];
        int n = Encoding.UTF8.GetBytes(node, input);
        input[n++] = (byte)'#';
        Encoding.UTF8.GetBytes(key, input[n..]);
        Sha256.Hash(input[..length], destination);
    }

    // Equal digests are practically impossible; the name breaks the tie so the order is total.
    private static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, string nodeA, string nodeB)
    {
        int c = a.SequenceCompareTo(b);
        return c != 0 ? c : string.CompareOrdinal(nodeA, nodeB);
    }
}
