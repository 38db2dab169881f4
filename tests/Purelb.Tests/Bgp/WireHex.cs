using System.Text;

namespace Purelb.Tests.Bgp;

/// <summary>Turns a hand-written wire listing into bytes: hex byte tokens, "quoted" ASCII runs (no spaces
/// inside), and // comments to the end of a line. Lets golden messages be written one field per line.</summary>
internal static class WireHex
{
    public static byte[] Parse(string listing)
    {
        var bytes = new List<byte>();
        foreach (var rawLine in listing.Split('\n'))
        {
            var line = rawLine;
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment];
            foreach (var token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Length >= 2 && token[0] == '"' && token[^1] == '"') bytes.AddRange(Encoding.ASCII.GetBytes(token[1..^1]));
                else bytes.Add(Convert.ToByte(token, 16));
            }
        }
        return bytes.ToArray();
    }
}
