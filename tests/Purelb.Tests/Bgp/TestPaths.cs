using System.Security.Cryptography;

namespace Purelb.Tests.Bgp;

internal static class TestPaths
{
    /// <summary>A fresh unix socket path under /tmp (short: sun_path holds 108 bytes).</summary>
    public static string Socket() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"plb-bgp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.sock");

    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(5);
        }
        return true;
    }
}
