using System.Diagnostics;
using Purelb.Netlink;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using Xunit;
using Xunit.Abstractions;

namespace Purelb.Tests.Netlink;

/// <summary>
/// Feeds 1,000,000+ random and mutated datagrams to every decoder. The only exception allowed out is
/// <see cref="NetlinkDecodeException"/>; anything else (IndexOutOfRange, Argument..., overflow) fails with the
/// seed and the bytes, and the run is bounded in time so a hang shows up as a failure too.
/// </summary>
public class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 1_000_000;

    /// <summary>
    /// One list of decoders so a new family cannot be left out of the fuzzing by accident. Returns the first
    /// error (non-throwing mode) or, with <paramref name="throwing"/>, lets the public throwing forms run.
    /// </summary>
    private static DecodeError DecodeAll(ReadOnlySpan<byte> datagram, bool throwing)
    {
        var reader = new NetlinkMessageReader(datagram, throwing);
        DecodeError error = default;
        while (reader.MoveNext())
        {
            var m = reader.Current;
            switch (m.Type)
            {
                case NetlinkConstants.NLMSG_ERROR:
                    if (throwing) ErrorMessage.DecodeError(m); else ErrorMessage.TryDecodeError(m, out _, out error);
                    break;
                case NetlinkConstants.NLMSG_DONE:
                    if (throwing) ErrorMessage.DecodeDone(m); else ErrorMessage.TryDecodeDone(m, out _, out error);
                    break;
                case NetlinkConstants.RTM_NEWLINK or NetlinkConstants.RTM_DELLINK:
                    if (throwing) LinkMessage.Decode(m); else LinkMessage.TryDecode(m, out _, out error);
                    break;
                case NetlinkConstants.RTM_NEWADDR or NetlinkConstants.RTM_DELADDR:
                    if (throwing) AddressMessage.Decode(m); else AddressMessage.TryDecode(m, out _, out error);
                    break;
                case NetlinkConstants.RTM_NEWROUTE or NetlinkConstants.RTM_DELROUTE:
                    if (throwing) RouteMessage.Decode(m); else RouteMessage.TryDecode(m, out _, out error);
                    break;
                default:
                    // Unknown types still get their attributes walked, as a generic consumer would.
                    var attrs = new AttributeReader(m.Payload, m.PayloadOffset, throwing);
                    while (attrs.MoveNext())
                    {
                        if (!attrs.IsNestedFlagSet) continue;
                        var nested = attrs.GetNested();
                        while (nested.MoveNext())
                        {
                        }
                        attrs.Absorb(nested);
                    }
                    error = attrs.Error;
                    break;
            }
            if (error.IsError) return error;
        }
        return reader.Error;
    }

    private static byte[][] Seeds() =>
    [
        Hex.File("rtm_newlink_veth_v0.hex"),
        Hex.Parse("""
            4c 00 00 00 14 00 22 00 6d 1d 08 6b d5 39 00 00 02 18 00 00 07 00 00 00 08 00 01 00 c0 a8 07 0a
            08 00 02 00 c0 a8 07 0a 07 00 03 00 76 30 00 00 08 00 08 00 00 02 00 00 14 00 06 00 c8 00 00 00
            2c 01 00 00 9d 5d 01 00 9d 5d 01 00
            """),
        Hex.Parse("""
            50 00 00 00 18 00 02 00 01 00 00 00 00 00 00 00 02 00 00 00 fe 03 00 01 00 00 00 00
            08 00 0f 00 fe 00 00 00 08 00 06 00 14 00 00 00 24 00 09 00
            10 00 00 00 03 00 00 00 08 00 05 00 0a 01 00 01 10 00 00 01 04 00 00 00 08 00 05 00 0a 02 00 01
            """),
        Hex.Parse("""
            48 00 00 00 02 00 00 03 07 00 00 00 09 00 00 00 a1 ff ff ff 40 00 00 00 10 00 05 06 07 00 00 00
            09 00 00 00 19 00 01 00 55 6e 6b 6e 6f 77 6e 20 64 65 76 69 63 65 20 74 79 70 65 2e 00 00 00 00
            08 00 02 00 30 00 00 00
            """),
        Hex.Parse("14 00 00 00 03 00 02 00 07 00 00 00 09 00 00 00 00 00 00 00"),
    ];

    [Fact]
    public void Decoders_only_ever_throw_NetlinkDecodeException()
    {
        var seeds = Seeds();
        // Every seed must decode cleanly before it is mutated, or the fuzzing proves little.
        foreach (var seed in seeds)
        {
            Assert.False(DecodeAll(seed, throwing: false).IsError);
            DecodeAll(seed, throwing: true);
        }

        int seedValue = Environment.TickCount;
        var random = new Random(seedValue);
        var buffer = new byte[4096];
        int rejected = 0, accepted = 0, thrown = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            int length = i % 4 == 0 ? RandomDatagram(random, buffer) : Mutate(random, seeds[random.Next(seeds.Length)], buffer);
            var datagram = buffer.AsSpan(0, length);
            DecodeError error;
            try
            {
                error = DecodeAll(datagram, throwing: false);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} (seed {seedValue}): the non-throwing decoders threw {e.GetType().Name}: {e.Message}\n{Hex.Format(datagram)}");
                return;
            }
            if (error.IsError)
            {
                rejected++;
                Assert.InRange(error.Offset, 0, length);
            }
            else
            {
                accepted++;
            }
            // The public throwing forms run the same code; exceptions cost ~30 µs here, so every 16th datagram
            // goes through them too, and must fail exactly where the Try form did, with NetlinkDecodeException only.
            if (i % 16 != 0) continue;
            try
            {
                DecodeAll(datagram, throwing: true);
                Assert.False(error.IsError, $"iteration {i} (seed {seedValue}): Try form rejected at {error.Offset} but Decode accepted");
            }
            catch (NetlinkDecodeException e)
            {
                thrown++;
                Assert.True(error.IsError, $"iteration {i} (seed {seedValue}): Decode threw but the Try form accepted");
                Assert.Equal(error.Offset, e.Offset);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"iteration {i} (seed {seedValue}) threw {e.GetType().Name}: {e.Message}\n{Hex.Format(datagram)}");
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(300)) Assert.Fail($"fuzzing stalled after {i} iterations");
        }
        output.WriteLine($"{Iterations} datagrams in {clock.ElapsedMilliseconds} ms: {accepted} decoded, {rejected} rejected, {thrown} exceptions checked (seed {seedValue})");
        Assert.True(accepted > 10_000, "mutations should leave many datagrams decodable");
        Assert.True(rejected > 10_000, "mutations should break many datagrams");
    }

    /// <summary>Random bytes, but often with a plausible header so the decoders get past the first check.</summary>
    private static int RandomDatagram(Random random, byte[] buffer)
    {
        int length = random.Next(0, 512);
        random.NextBytes(buffer.AsSpan(0, length));
        if (length >= 16 && random.Next(2) == 0)
        {
            BitConverter.TryWriteBytes(buffer.AsSpan(0), (uint)random.Next(16, length + 1));
            ushort[] types = [2, 3, 16, 17, 20, 21, 24, 25];
            BitConverter.TryWriteBytes(buffer.AsSpan(4), types[random.Next(types.Length)]);
        }
        return length;
    }

    private static int Mutate(Random random, byte[] seed, byte[] buffer)
    {
        seed.CopyTo(buffer, 0);
        int length = seed.Length;
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(6))
            {
                case 0: // flip a byte
                    buffer[random.Next(length)] = (byte)random.Next(256);
                    break;
                case 1: // truncate
                    length = random.Next(length + 1);
                    break;
                case 2: // a lying 16-bit length at an attribute-aligned offset
                    if (length >= 2)
                    {
                        int at = random.Next(length / 4) * 4;
                        if (at + 2 <= length) BitConverter.TryWriteBytes(buffer.AsSpan(at), (ushort)random.Next(0, 2048));
                    }
                    break;
                case 3: // a lying nlmsg_len
                    if (length >= 4) BitConverter.TryWriteBytes(buffer.AsSpan(0), (uint)random.Next(0, length + 64));
                    break;
                case 4: // set or clear NLA_F_NESTED on some type field
                    if (length >= 4)
                    {
                        int at = random.Next(length / 4) * 4 + 3;
                        if (at < length) buffer[at] ^= 0x80;
                    }
                    break;
                case 5: // append garbage (misaligned tail)
                    int extra = Math.Min(random.Next(1, 8), buffer.Length - length);
                    random.NextBytes(buffer.AsSpan(length, extra));
                    length += extra;
                    break;
            }
            if (length == 0) break;
        }
        return length;
    }
}
