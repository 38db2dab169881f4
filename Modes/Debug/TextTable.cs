namespace Purelb.Modes.Debug;

/// <summary>
/// Left-aligned columns separated by two spaces, as kubectl prints them, fitted to <see cref="MaxWidth"/>:
/// optional columns are dropped (in the order they were marked) and then the last column is cut with "…".
/// Colour, when asked for, is added after padding so escape codes never count towards a width.
/// </summary>
public sealed class TextTable(params string[] headers)
{
    public const int DefaultMaxWidth = 100;
    private const string Gap = "  ";

    private readonly List<string[]> _rows = [headers];
    private readonly List<int> _optional = [];

    public int RowCount => _rows.Count - 1;

    public int MaxWidth { get; init; } = DefaultMaxWidth;

    /// <summary>Colours a padded cell: (row index from 0, column header, padded text) → text to print. Null prints plain.</summary>
    public Func<int, string, string, string>? Colour { get; set; }

    /// <summary>Columns that may be left out when the table is too wide, least important first.</summary>
    public TextTable Optional(params string[] columns)
    {
        foreach (var column in columns)
        {
            var index = Array.IndexOf(headers, column);
            if (index < 0)
            {
                throw new ArgumentException($"no column {column}", nameof(columns));
            }
            _optional.Add(index);
        }
        return this;
    }

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }
        _rows.Add(cells);
    }

    public void WriteTo(TextWriter output)
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var shown = Enumerable.Range(0, headers.Length).ToList();
        foreach (var drop in _optional)
        {
            if (Width(shown, widths) <= MaxWidth)
            {
                break;
            }
            shown.Remove(drop);
        }
        var last = shown[^1];
        var room = MaxWidth - (Width(shown, widths) - widths[last]);
        for (var r = 0; r < _rows.Count; r++)
        {
            var row = _rows[r];
            var line = new System.Text.StringBuilder();
            foreach (var i in shown)
            {
                var cell = i == last ? Cut(row[i], Math.Max(room, 1)) : row[i].PadRight(widths[i]);
                if (i != shown[0])
                {
                    line.Append(Gap);
                }
                line.Append(r > 0 && Colour is { } colour ? colour(r - 1, headers[i], cell) : cell);
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }

    private static int Width(List<int> shown, int[] widths) => shown.Sum(i => widths[i]) + Gap.Length * (shown.Count - 1);

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
