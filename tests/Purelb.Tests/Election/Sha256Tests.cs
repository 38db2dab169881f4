using System.Text;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

public class Sha256Tests
{
    private static string Hex(ReadOnlySpan<byte> message)
    {
        Span<byte> digest = stackalloc byte[Sha256.DigestLength];
        Sha256.Hash(message, digest);
        return Convert.ToHexStringLower(digest);
    }

    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void Published_vectors(string message, string digest) =>
        Assert.Equal(digest, Hex(Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void One_million_a() =>
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex(Enumerable.Repeat((byte)'a', 1_000_000).ToArray()));

    // Every length across three block boundaries, where the padding changes from one block to two.
    [Fact]
    public void Agrees_with_the_platform_at_every_length_up_to_200()
    {
        var random = new Random(1234);
        for (int length = 0; length <= 200; length++)
        {
            var message = new byte[length];
            random.NextBytes(message);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(message)), Hex(message));
        }
    }

    [Fact]
    public void Writes_only_the_digest_into_a_larger_destination()
    {
        var destination = Enumerable.Repeat((byte)0xEE, 40).ToArray();
        Sha256.Hash("abc"u8, destination);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(destination.AsSpan(0, 32)));
        Assert.All(destination[32..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Refuses_a_short_destination() =>
        Assert.Throws<ArgumentException>(() => Sha256.Hash("abc"u8, new byte[31]));
}
