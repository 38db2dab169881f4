using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Purelb.Kube;

/// <summary>
/// A handful of annotations held as one array: a cached Service carries two to five of ours, for which a
/// Dictionary's buckets and entries cost three times the strings' references. Lookups scan; writes throw, because
/// cached objects are never mutated.
/// </summary>
public sealed class ReadOnlyStringMap(KeyValuePair<string, string>[] pairs) : IDictionary<string, string>, IReadOnlyDictionary<string, string>
{
    public string this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
        set => throw ReadOnly();
    }

    public int Count => pairs.Length;

    public bool IsReadOnly => true;

    public ICollection<string> Keys => Array.ConvertAll(pairs, p => p.Key);

    public ICollection<string> Values => Array.ConvertAll(pairs, p => p.Value);

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => Values;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        foreach (var pair in pairs)
        {
            if (string.Equals(pair.Key, key, StringComparison.Ordinal))
            {
                value = pair.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool Contains(KeyValuePair<string, string> item) =>
        TryGetValue(item.Key, out var value) && string.Equals(value, item.Value, StringComparison.Ordinal);

    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex) => pairs.CopyTo(array, arrayIndex);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Add(string key, string value) => throw ReadOnly();

    public void Add(KeyValuePair<string, string> item) => throw ReadOnly();

    public bool Remove(string key) => throw ReadOnly();

    public bool Remove(KeyValuePair<string, string> item) => throw ReadOnly();

    public void Clear() => throw ReadOnly();

    private static NotSupportedException ReadOnly() => new("a cached Service's annotations are read-only; copy them to change them");
}
