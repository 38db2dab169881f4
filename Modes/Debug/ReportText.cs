using System.Numerics;

namespace Purelb.Modes.Debug;

/// <summary>Small pieces of table text shared by the debug reports: compact counts, utilisation bars, ages, colour.</summary>
public static class ReportText
{
    private const int BarWidth = 10;

    /// <summary>Exact below a million; powers of two as 2^n; otherwise two significant digits with an exponent.</summary>
    public static string Count(UInt128 value)
    {
        if (value < 1_000_000)
        {
            return value.ToString();
        }
        if (UInt128.IsPow2(value))
        {
            return $"2^{UInt128.Log2(value)}";
        }
        var exponent = value.ToString().Length - 1;
        var mantissa = (double)value / Math.Pow(10, exponent);
        return $"{mantissa:0.0}e{exponent}";
    }

    /// <summary>"[###-------]  30%"; rounds up so a pool with one address used never shows as empty.</summary>
    public static string Bar(UInt128 used, UInt128 size)
    {
        if (size == 0)
        {
            return "[" + new string(' ', BarWidth) + "]    -";
        }
        used = UInt128.Min(used, size);
        var fraction = (double)used / (double)size;
        var filled = used == 0 ? 0 : Math.Clamp((int)Math.Ceiling(fraction * BarWidth), 1, BarWidth);
        var percent = used == 0 ? 0 : Math.Clamp((int)Math.Ceiling(fraction * 100), 1, 100);
        return $"[{new string('#', filled)}{new string('-', BarWidth - filled)}] {percent,3}%";
    }

    /// <summary>Percent used, 0–100, for colouring.</summary>
    public static int Percent(UInt128 used, UInt128 size) =>
        size == 0 ? 0 : (int)Math.Ceiling((double)UInt128.Min(used, size) / (double)size * 100);

    /// <summary>"45s", "12m", "3h", "2d" as kubectl prints ages; negative (clock skew) as "-3s".</summary>
    public static string Age(TimeSpan age)
    {
        var sign = age < TimeSpan.Zero ? "-" : "";
        age = age.Duration();
        return sign + (age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d");
    }

    /// <summary>Colour only when writing straight to a terminal; NO_COLOR and TERM=dumb turn it off.</summary>
    public static bool UseColour(TextWriter output) =>
        ReferenceEquals(output, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public static string Red(string text) => $"\u001b[31m{text}\u001b[0m";

    public static string Yellow(string text) => $"\u001b[33m{text}\u001b[0m";

    public static string Green(string text) => $"\u001b[32m{text}\u001b[0m";

    /// <summary>Green below 70 %, yellow below 90 %, red from there.</summary>
    public static string ByLevel(int percent, string text) => percent >= 90 ? Red(text) : percent >= 70 ? Yellow(text) : Green(text);

    /// <summary>An API timestamp as UTC; the client hands back Local or Unspecified kinds depending on the field.</summary>
    public static DateTimeOffset? Utc(DateTime? time) => time is not { } t ? null
        : t.Kind == DateTimeKind.Local ? new DateTimeOffset(t).ToUniversalTime()
        : new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>Word-wraps <paramref name="text"/> to <paramref name="width"/> columns, continuation lines indented by <paramref name="indent"/>.</summary>
    public static IEnumerable<string> Wrap(string text, int width, string firstPrefix, string indent)
    {
        var line = new System.Text.StringBuilder(firstPrefix);
        var empty = true;
        foreach (var word in text.Split(' '))
        {
            if (!empty && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear().Append(indent);
                empty = true;
            }
            if (!empty)
            {
                line.Append(' ');
            }
            line.Append(word);
            empty = false;
        }
        yield return line.ToString();
    }
}
