using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// <see cref="IListWatch{T}"/> over the REST API for any kind described by a <see cref="KubeResource{T,TList}"/>.
/// Lists page by page; watches with bookmarks and a server-side timeout, reading the newline-delimited JSON body
/// itself (the client library's watch helpers are not usable under native AOT).
/// </summary>
public sealed class ListWatch<T, TList> : IListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class
{
    private const int PageSize = 500;
    private readonly KubeApiClient _api;
    private readonly KubeResource<T, TList> _resource;
    private readonly string _path;

    /// <param name="ns">Namespace to watch; null for all namespaces (or a cluster-scoped kind).</param>
    public ListWatch(KubeApiClient api, KubeResource<T, TList> resource, string? ns = null,
        string? labelSelector = null, string? fieldSelector = null)
    {
        _api = api;
        _resource = resource;
        _path = resource.CollectionPath(ns);
        LabelSelector = labelSelector;
        FieldSelector = fieldSelector;
    }

    public string? LabelSelector { get; }
    public string? FieldSelector { get; }

    /// <summary>
    /// Applied to every object as soon as it is read (each list page, each watch event), before anything keeps it: a
    /// consumer that needs a few fields returns a trimmed copy, so full objects live only for one page or one event.
    /// It must keep metadata.name, namespace and resourceVersion, and must not return null.
    /// </summary>
    public Func<T, T>? Transform { get; init; }

    /// <summary>Server-side watch lifetime is drawn from [min, 2·min) so that many watchers do not all reconnect at once.</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public async Task<ListResult<T>> ListAsync(CancellationToken ct)
    {
        var items = new List<T>();
        string? cont = null;
        string resourceVersion;
        do
        {
            var page = await _api.ListAsync(_path, new ListOptions
            {
                LabelSelector = LabelSelector,
                FieldSelector = FieldSelector,
                Limit = PageSize,
                Continue = cont,
            }, _resource.ListType, ct).ConfigureAwait(false);
            items.AddRange(Transform is { } transform ? _resource.ItemsOf(page).Select(transform) : _resource.ItemsOf(page));
            resourceVersion = _resource.ResourceVersionOf(page) ?? "";
            cont = _resource.ContinueOf(page);
        } while (!string.IsNullOrEmpty(cont));
        return new ListResult<T>(items, resourceVersion);
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        var timeoutSeconds = (int)(MinWatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var options = new ListOptions
        {
            LabelSelector = LabelSelector,
            FieldSelector = FieldSelector,
            ResourceVersion = resourceVersion,
            AllowWatchBookmarks = true,
            TimeoutSeconds = timeoutSeconds,
        };
        // Guard against a server (or middlebox) that keeps the connection open but stops talking.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds + 30));
        using var response = await _api.OpenWatchAsync(_path, options, stall.Token).ConfigureAwait(false);
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException("watch stalled before its body started");
        }
        await using var _ = body.ConfigureAwait(false);
        var lines = new LineReader(body);
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> line;
                try
                {
                    line = await lines.ReadLineAsync(stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new IOException("watch stalled: no data within its timeout");
                }
                if (line.IsEmpty)
                {
                    if (lines.Completed) yield break;
                    continue;
                }
                var parsed = WatchLineParser.Parse(line.Span, _resource.ItemType);
                if (parsed.Error is { } status)
                    throw KubeApiClient.ToException(status, "WATCH", _path);
                var type = parsed.Type switch
                {
                    "ADDED" => WatchEventType.Added,
                    "MODIFIED" => WatchEventType.Modified,
                    "DELETED" => WatchEventType.Deleted,
                    "BOOKMARK" => WatchEventType.Bookmark,
                    _ => throw new JsonException($"unknown watch event type '{parsed.Type}'"),
                };
                var obj = parsed.Object ?? throw new JsonException("watch event object is null");
                var eventVersion = obj.Metadata?.ResourceVersion ?? "";
                if (type != WatchEventType.Bookmark && Transform is { } transform) obj = transform(obj);
                yield return new WatchEvent<T>(type, type == WatchEventType.Bookmark ? null : obj, eventVersion);
            }
        }
        finally
        {
            lines.Dispose();
        }
    }

    /// <summary>Splits a stream into lines without copying each line into its own array.</summary>
    private sealed class LineReader(Stream stream) : IDisposable
    {
        // One per open watch, held for its lifetime: start at a size most events fit (a Service is ~2-3 KB) and let
        // MakeRoom double it for a longer line, rather than hold 64 KB per watch in every process.
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        private int _start, _end;

        public bool Completed { get; private set; }

        /// <summary>The next line without its terminator; empty at end of stream (see <see cref="Completed"/>) or
        /// for a blank line. Valid until the next call.</summary>
        public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken ct)
        {
            var scanFrom = _start;
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
                if (newline >= 0)
                {
                    var line = new ReadOnlyMemory<byte>(_buffer, _start, newline - _start);
                    _start = newline + 1;
                    return TrimCarriageReturn(line);
                }
                if (Completed)
                {
                    var rest = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                    _start = _end;
                    return TrimCarriageReturn(rest);
                }
                scanFrom = _end;
                MakeRoom(ref scanFrom);
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
                if (read == 0) Completed = true;
                _end += read;
            }
        }

        private static ReadOnlyMemory<byte> TrimCarriageReturn(ReadOnlyMemory<byte> line) =>
            line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;

        private void MakeRoom(ref int scanFrom)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                scanFrom -= _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
