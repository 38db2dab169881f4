using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>
/// Writes core/v1 Events for an object. A repeat of the same (object, type, reason, message) within the recorder's
/// memory bumps <c>count</c> and <c>lastTimestamp</c> of the existing Event instead of creating another.
/// <see cref="Record"/> never blocks or throws: events are queued and written by <see cref="RunAsync"/>; a full
/// queue drops the event, since events are advisory (client-go's recorder does the same). A burst that overflows the
/// queue is logged twice, not once per event: when dropping starts, and with the count once the queue has drained.
/// </summary>
public sealed class EventRecorder
{
    private readonly KubeApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<Pending> _pending;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Seen>> _seen = new(StringComparer.Ordinal);
    private readonly LinkedList<Seen> _lru = new();
    private long _sequence;
    private long _dropped;
    private long _droppedReported;

    public EventRecorder(KubeApiClient api, string component, TimeProvider time, ILogger? log = null, string? host = null, int maxPending = 1000)
    {
        _api = api;
        Component = component;
        Host = host;
        _time = time;
        _log = log ?? NullLogger.Instance;
        _pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(maxPending)
        {
            // Wait, not DropWrite: DropWrite drops silently and still answers TryWrite with true; with Wait, TryWrite
            // answers false when full and Record does the dropping, so it can count it.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>source.component of every Event (allocator.md §4.14: "purelb-allocator").</summary>
    public string Component { get; }
    public string? Host { get; }

    /// <summary>How many distinct events are remembered for aggregation.</summary>
    public int MaxRemembered { get; init; } = 4096;

    /// <summary>A reference to <paramref name="obj"/> for involvedObject; list items carry no kind, so it is given.</summary>
    public static V1ObjectReference ReferenceTo<T>(T obj, string apiVersion, string kind) where T : IKubernetesObject<V1ObjectMeta> => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = obj.Metadata?.Name,
        NamespaceProperty = obj.Metadata?.NamespaceProperty,
        Uid = obj.Metadata?.Uid,
        ResourceVersion = obj.Metadata?.ResourceVersion,
    };

    public static V1ObjectReference ReferenceTo(V1Service service) => ReferenceTo(service, "v1", "Service");

    /// <summary>Events dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an event for <see cref="RunAsync"/> to write. Never blocks, never throws.</summary>
    public void Record(V1ObjectReference involved, string type, string reason, string message)
    {
        if (_pending.Writer.TryWrite(new Pending(involved, type, reason, message))) return;
        if (Interlocked.Increment(ref _dropped) - Interlocked.Read(ref _droppedReported) == 1)
            _log.LogWarning("event queue full; dropping events until it drains (first dropped: {Type} {Reason} for {Name}: {Message})",
                type, reason, involved.Name, message);
    }

    /// <summary>After the queue has drained: how many events the last overflow dropped.</summary>
    private void ReportDrops()
    {
        var dropped = Interlocked.Read(ref _dropped);
        var reported = Interlocked.Exchange(ref _droppedReported, dropped);
        if (dropped > reported)
            _log.LogWarning("event queue drained; {Count} events were dropped while it was full", dropped - reported);
    }

    /// <summary>Writes queued events until cancelled. A failed write is logged and dropped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in _pending.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await WriteAsync(e.Involved, e.Type, e.Reason, e.Message, ct).ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _log.LogWarning("could not write event {Reason} for {Name}: {Error}", e.Reason, e.Involved.Name, error.Message);
                }
                if (_pending.Reader.Count == 0) ReportDrops();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes one event now, creating it or bumping the count of an identical earlier one.</summary>
    public async Task<Corev1Event> WriteAsync(V1ObjectReference involved, string type, string reason, string message, CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var ns = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty;
        var key = string.Join('\u001f', involved.Uid, involved.Kind, ns, involved.Name, type, reason, message);

        Seen? previous = null;
        lock (_lock)
        {
            if (_seen.TryGetValue(key, out var node))
            {
                previous = node.Value;
                _lru.Remove(node);
                _lru.AddFirst(node);
            }
        }

        if (previous is not null)
        {
            var count = previous.Count + 1;
            try
            {
                var patched = await _api.PatchAsync(KubeResources.Events, ns, previous.Name, PatchKind.Merge,
                    CountPatch(count, now), ct).ConfigureAwait(false);
                lock (_lock) previous.Count = count;
                return patched;
            }
            catch (KubeApiException e) when (ApiError.IsNotFound(e))
            {
                // The earlier Event expired server-side (events have a TTL); start a new one.
                Forget(key);
            }
        }

        var ev = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = EventName(involved.Name ?? "object", now), NamespaceProperty = ns },
            InvolvedObject = involved,
            Reason = reason,
            Message = message,
            Type = type,
            Source = new V1EventSource { Component = Component, Host = Host },
            ReportingComponent = Component,
            ReportingInstance = Host ?? Component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        var created = await _api.CreateAsync(KubeResources.Events, ev, ct).ConfigureAwait(false);
        Remember(key, new Seen(created.Metadata?.Name ?? ev.Metadata.Name) { Count = 1 });
        return created;
    }

    private void Remember(string key, Seen seen)
    {
        lock (_lock)
        {
            if (_seen.Remove(key, out var stale))
                _lru.Remove(stale);
            seen.Key = key;
            _seen[key] = _lru.AddFirst(seen);
            while (_seen.Count > MaxRemembered && _lru.Last is { } oldest)
            {
                _seen.Remove(oldest.Value.Key);
                _lru.RemoveLast();
            }
        }
    }

    private void Forget(string key)
    {
        lock (_lock)
        {
            if (_seen.Remove(key, out var node))
                _lru.Remove(node);
        }
    }

    private string EventName(string objectName, DateTime now)
    {
        // Unique per recorder and time, like "<object>.<hex>"; the sequence breaks ties within one clock tick.
        var seq = Interlocked.Increment(ref _sequence);
        var stamp = (now.Ticks - DateTime.UnixEpoch.Ticks) * 100 + (seq % 100);
        return $"{objectName}.{stamp.ToString("x", CultureInfo.InvariantCulture)}";
    }

    private static string CountPatch(int count, DateTime now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("count", count);
            w.WriteString("lastTimestamp", now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private sealed record Pending(V1ObjectReference Involved, string Type, string Reason, string Message);

    private sealed class Seen(string name)
    {
        public string Name { get; } = name;
        public int Count { get; set; }
        public string Key { get; set; } = "";
    }
}
