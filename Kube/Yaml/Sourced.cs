namespace Purelb.Kube.Yaml;

/// <summary>An object read from a file, with where it came from.</summary>
public sealed record Sourced<T>(T Value, ManifestSource Source);
