using System.Runtime.CompilerServices;

namespace Purelb.Tests.Netlink;

/// <summary>Golden bytes written as commented hex: "# ..." and "// ..." comments and whitespace are ignored.</summary>
internal static class Hex
{
    public static byte[] Parse(string text)
    {
        var digits = new System.Text.StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw;
            int comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment];
            comment = line.IndexOf('#');
            if (comment >= 0) line = line[..comment];
            foreach (var c in line) if (Uri.IsHexDigit(c)) digits.Append(c);
        }
        return Convert.FromHexString(digits.ToString());
    }

    /// <summary>Reads a golden file next to this source file (tests run from a checkout of the repository).</summary>
    public static byte[] File(string name, [CallerFilePath] string here = "") =>
        Parse(System.IO.File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "Golden", name)));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
