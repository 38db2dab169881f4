using System.Text;
using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies kubectl's typed clients send (`kubectl create namespace|
/// configmap|secret|service`): the "k8s\0" envelope (runtime.Unknown) and the few message types behind those
/// generators, by field number. Anything else is answered 415, as for any body we cannot read.
/// </summary>
public static class ProtobufBody
{
    enum K { Str, Bytes, Int, Bool, Msg, MapStr, MapBytes, RepStr, RepMsg, IntOrStr }

    sealed record F(string Name, K Kind, Dictionary<int, F>? Msg = null);

    static readonly Dictionary<int, F> ObjectMeta = new()
    {
        [1] = new("name", K.Str), [2] = new("generateName", K.Str), [3] = new("namespace", K.Str),
        [11] = new("labels", K.MapStr), [12] = new("annotations", K.MapStr), [14] = new("finalizers", K.RepStr),
    };

    static readonly Dictionary<int, F> ServicePort = new()
    {
        [1] = new("name", K.Str), [2] = new("protocol", K.Str), [3] = new("port", K.Int), [4] = new("targetPort", K.IntOrStr),
        [5] = new("nodePort", K.Int), [6] = new("appProtocol", K.Str),
    };

    static readonly Dictionary<int, F> ServiceSpec = new()
    {
        [1] = new("ports", K.RepMsg, ServicePort), [2] = new("selector", K.MapStr), [3] = new("clusterIP", K.Str), [4] = new("type", K.Str),
        [5] = new("externalIPs", K.RepStr), [7] = new("sessionAffinity", K.Str), [8] = new("loadBalancerIP", K.Str),
        [9] = new("loadBalancerSourceRanges", K.RepStr), [10] = new("externalName", K.Str), [11] = new("externalTrafficPolicy", K.Str),
        [12] = new("healthCheckNodePort", K.Int), [13] = new("publishNotReadyAddresses", K.Bool), [17] = new("ipFamilyPolicy", K.Str),
        [18] = new("clusterIPs", K.RepStr), [19] = new("ipFamilies", K.RepStr), [20] = new("allocateLoadBalancerNodePorts", K.Bool),
        [21] = new("loadBalancerClass", K.Str), [22] = new("internalTrafficPolicy", K.Str),
    };

    static readonly Dictionary<string, Dictionary<int, F>> Kinds = new()
    {
        ["Namespace"] = new() { [1] = new("metadata", K.Msg, ObjectMeta), [2] = new("spec", K.Msg, new() { [1] = new("finalizers", K.RepStr) }) },
        ["ConfigMap"] = new() { [1] = new("metadata", K.Msg, ObjectMeta), [2] = new("data", K.MapStr), [3] = new("binaryData", K.MapBytes), [4] = new("immutable", K.Bool) },
        ["Secret"] = new() { [1] = new("metadata", K.Msg, ObjectMeta), [2] = new("data", K.MapBytes), [3] = new("type", K.Str), [4] = new("stringData", K.MapStr), [5] = new("immutable", K.Bool) },
        ["Service"] = new() { [1] = new("metadata", K.Msg, ObjectMeta), [2] = new("spec", K.Msg, ServiceSpec) },
    };

    static ApiError Unsupported(string why) => new(415, "UnsupportedMediaType",
        $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({why})");

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || body[0] != (byte)'k' || body[1] != (byte)'8' || body[2] != (byte)'s' || body[3] != 0)
            throw Unsupported("protobuf body without the k8s envelope");
        string? apiVersion = null, kind = null;
        ReadOnlyMemory<byte> raw = default;
        foreach (var (num, wire, value, _) in Fields(body.AsMemory(4)))
        {
            if (num == 1 && wire == 2)
                foreach (var (n2, w2, v2, _) in Fields(value))
                {
                    if (n2 == 1 && w2 == 2) apiVersion = Encoding.UTF8.GetString(v2.Span);
                    if (n2 == 2 && w2 == 2) kind = Encoding.UTF8.GetString(v2.Span);
                }
            else if (num == 2 && wire == 2) raw = value;
        }
        if (kind == null || !Kinds.TryGetValue(kind, out var fields)) throw Unsupported($"protobuf decoding of {kind ?? "an unnamed kind"} is not implemented");
        var obj = Message(raw, fields);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    static JsonObject Message(ReadOnlyMemory<byte> data, Dictionary<int, F> fields)
    {
        var o = new JsonObject();
        foreach (var (num, _, value, varint) in Fields(data))
        {
            if (!fields.TryGetValue(num, out var f)) continue;
            string Text() => Encoding.UTF8.GetString(value.Span);
            switch (f.Kind)
            {
                case K.Str: if (value.Length > 0) o[f.Name] = Text(); break;
                case K.Bytes: o[f.Name] = Convert.ToBase64String(value.Span); break;
                case K.Int: if (varint != 0) o[f.Name] = (long)varint; break;
                case K.Bool: if (varint != 0) o[f.Name] = true; break;
                case K.Msg: o[f.Name] = Message(value, f.Msg!); break;
                case K.RepStr: Arr(o, f.Name).Add(Text()); break;
                case K.RepMsg: Arr(o, f.Name).Add(Message(value, f.Msg!)); break;
                case K.MapStr or K.MapBytes:
                {
                    string key = "", val = "";
                    foreach (var (n2, _, v2, _) in Fields(value))
                    {
                        if (n2 == 1) key = Encoding.UTF8.GetString(v2.Span);
                        if (n2 == 2) val = f.Kind == K.MapStr ? Encoding.UTF8.GetString(v2.Span) : Convert.ToBase64String(v2.Span);
                    }
                    Json.Obj(o, f.Name)[key] = val;
                    break;
                }
                case K.IntOrStr:
                {
                    long type = 0, intVal = 0;
                    string? strVal = null;
                    foreach (var (n2, _, v2, vi) in Fields(value))
                    {
                        if (n2 == 1) type = (long)vi;
                        if (n2 == 2) intVal = (int)(uint)vi;
                        if (n2 == 3) strVal = Encoding.UTF8.GetString(v2.Span);
                    }
                    if (type == 1) o[f.Name] = strVal ?? "";
                    else if (intVal != 0) o[f.Name] = intVal;
                    break;
                }
            }
        }
        return o;
    }

    static JsonArray Arr(JsonObject o, string name)
    {
        if (o[name] is JsonArray a) return a;
        var created = new JsonArray();
        o[name] = created;
        return created;
    }

    /// <summary>The fields of one protobuf message: number, wire type, bytes (length-delimited) and varint value.</summary>
    static List<(int Num, int Wire, ReadOnlyMemory<byte> Bytes, ulong Varint)> Fields(ReadOnlyMemory<byte> data)
    {
        var list = new List<(int, int, ReadOnlyMemory<byte>, ulong)>();
        int i = 0;
        var span = data.Span;
        while (i < span.Length)
        {
            var tag = Varint(span, ref i);
            int num = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: list.Add((num, wire, default, Varint(span, ref i))); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                {
                    var len = (int)Varint(span, ref i);
                    if (len < 0 || i + len > span.Length) throw Unsupported("truncated protobuf field");
                    list.Add((num, wire, data.Slice(i, len), 0));
                    i += len;
                    break;
                }
                default: throw Unsupported($"protobuf wire type {wire}");
            }
        }
        return list;
    }

    static ulong Varint(ReadOnlySpan<byte> span, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (i >= span.Length || shift > 63) throw Unsupported("truncated protobuf varint");
            var b = span[i++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
    }
}
