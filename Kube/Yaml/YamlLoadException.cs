namespace Purelb.Kube.Yaml;

/// <summary>YAML text that cannot become JSON: a syntax error, a non-scalar key, a duplicate key, an unknown alias.</summary>
public sealed class YamlLoadException(string reason, int line, int column)
    : Exception($"line {line}, column {column}: {reason}")
{
    public string Reason { get; } = reason;

    /// <summary>1-based.</summary>
    public int Line { get; } = line;

    /// <summary>1-based.</summary>
    public int Column { get; } = column;
}
