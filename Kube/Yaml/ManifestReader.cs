using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Yaml;

/// <summary>
/// Reads ServiceGroups, LBNodeAgents and Services from YAML or JSON files of mixed kinds (including
/// `kind: List` and the typed list kinds that `kubectl get -o yaml` writes). Every object is checked as the
/// API server would check it (apiVersion, unknown fields, types, the CRD's rules); an object with problems
/// is left out and each problem names its file and object. Other kinds are listed as ignored.
/// </summary>
public static class ManifestReader
{
    /// <summary>Namespace given to a Service that names none, as `kubectl apply` would.</summary>
    public const string DefaultServiceNamespace = "default";

    public static ManifestSet ReadFiles(IEnumerable<string> paths)
    {
        var set = new ManifestSet();
        foreach (var path in paths)
        {
            ReadFile(path, set);
        }
        return set;
    }

    public static void ReadFile(string path, ManifestSet into)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            into.Problems.Add(new ManifestProblem(path, "file", $"cannot be read: {e.Message}"));
            return;
        }
        ReadText(text, path, into);
    }

    /// <summary>Reads every object of <paramref name="text"/>; <paramref name="fileName"/> is only used in messages.</summary>
    public static void ReadText(string text, string fileName, ManifestSet into)
    {
        IReadOnlyList<YamlDocument> documents;
        if (LooksLikeJson(text))
        {
            try
            {
                var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                documents = root is null ? [] : [new YamlDocument(root, 1, 0)];
            }
            catch (JsonException e)
            {
                into.Problems.Add(new ManifestProblem(fileName, $"document at line {(e.LineNumber ?? 0) + 1}", $"invalid JSON: {WithoutPosition(e.Message)}"));
                return;
            }
        }
        else
        {
            try
            {
                documents = YamlReader.ReadDocuments(text);
            }
            catch (YamlLoadException e)
            {
                into.Problems.Add(new ManifestProblem(fileName, $"document at line {e.Line}", $"invalid YAML at line {e.Line}, column {e.Column}: {e.Reason}"));
                return;
            }
        }
        foreach (var document in documents)
        {
            ReadObject(document.Root, fileName, document.Line, into);
        }
    }

    private static void ReadObject(JsonNode? node, string file, int line, ManifestSet into)
    {
        if (node is not JsonObject obj)
        {
            into.Problems.Add(new ManifestProblem(file, $"document at line {line}", "is not a Kubernetes object (expected a mapping with apiVersion and kind)"));
            return;
        }
        var kind = StringField(obj, "kind") ?? "";
        var metadata = obj["metadata"] as JsonObject;
        var source = new ManifestSource(file, line, kind, StringField(metadata, "namespace"), StringField(metadata, "name"));
        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            foreach (var item in items)
            {
                ReadObject(item, file, line, into);
            }
            return;
        }
        switch (kind)
        {
            case ServiceGroup.KindName:
                Read(obj, source, CrdJsonContext.Default.ServiceGroup, CrdNames.ApiVersion, ServiceGroupRules.Check, into.ServiceGroups, into);
                break;
            case LBNodeAgent.KindName:
                Read(obj, source, CrdJsonContext.Default.LBNodeAgent, CrdNames.ApiVersion, LBNodeAgentRules.Check, into.LBNodeAgents, into);
                break;
            case V1Service.KubeKind:
                Read(obj, source, KubeModelJsonContext.Default.V1Service, "v1", CheckService, into.Services, into);
                break;
            case "":
                into.Problems.Add(new ManifestProblem(file, source.ObjectName, "kind: required"));
                break;
            default:
                into.Ignored.Add(source);
                break;
        }
    }

    private static void Read<T>(
        JsonObject obj,
        ManifestSource source,
        JsonTypeInfo<T> type,
        string apiVersion,
        Func<T, IReadOnlyList<string>> rules,
        List<Sourced<T>> target,
        ManifestSet into)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var problems = new List<string>();
        var actualVersion = StringField(obj, "apiVersion");
        if (actualVersion != apiVersion)
        {
            problems.Add(actualVersion is null
                ? $"apiVersion: required ({apiVersion})"
                : $"apiVersion: \"{actualVersion}\" is not served for {source.Kind}; use {apiVersion}");
        }
        foreach (var path in UnknownFields.Find(obj, type))
        {
            problems.Add($"{path}: unknown field");
        }
        T? value = default;
        try
        {
            value = obj.Deserialize(type);
        }
        catch (JsonException e)
        {
            problems.Add($"{FieldPath(e.Path)}: {Describe(e)}");
        }
        if (value is not null)
        {
            value.Metadata ??= new V1ObjectMeta();
            problems.AddRange(rules(value));
        }
        var duplicate = target.FirstOrDefault(t => SameIdentity(t.Source, source));
        if (duplicate is not null)
        {
            problems.Add($"defined more than once (also at {duplicate.Source.File}:{duplicate.Source.Line})");
        }
        if (problems.Count > 0 || value is null)
        {
            foreach (var problem in problems)
            {
                into.Problems.Add(new ManifestProblem(source.File, source.ObjectName, problem));
            }
            return;
        }
        target.Add(new Sourced<T>(value, source));
    }

    private static IReadOnlyList<string> CheckService(V1Service service)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(service.Metadata.Name))
        {
            problems.Add("metadata.name: required");
        }
        service.Metadata.NamespaceProperty ??= DefaultServiceNamespace;
        return problems;
    }

    private static bool SameIdentity(ManifestSource a, ManifestSource b) =>
        a.Kind == b.Kind && a.Name == b.Name && (a.Namespace ?? "") == (b.Namespace ?? "") && !string.IsNullOrEmpty(a.Name);

    private static string? StringField(JsonObject? obj, string name) =>
        obj?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static bool LooksLikeJson(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c is '{' or '[';
            }
        }
        return false;
    }

    private static string FieldPath(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "(object)" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath;

    // System.Text.Json names the CLR type it could not fill; say what the field wants in API terms.
    private static string Describe(JsonException e)
    {
        var message = WithoutPosition(e.Message);
        const string marker = "could not be converted to ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return message;
        }
        var target = message[(at + marker.Length)..].TrimEnd('.');
        return target switch
        {
            _ when target.Contains("System.Boolean", StringComparison.Ordinal) => "expected a boolean (true or false)",
            _ when target.Contains("System.Int", StringComparison.Ordinal) => "expected an integer",
            _ when target.Contains("System.String", StringComparison.Ordinal) && !target.Contains("List", StringComparison.Ordinal) && !target.Contains("Dictionary", StringComparison.Ordinal) => "expected a string",
            _ when target.Contains("List", StringComparison.Ordinal) => "expected a list",
            _ when target.Contains("Dictionary", StringComparison.Ordinal) => "expected a map of strings",
            _ => "expected an object",
        };
    }

    // System.Text.Json appends " Path: $.x | LineNumber: 0 | BytePositionInLine: 0."; we name the field ourselves.
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }
        return cut < 0 ? message : message[..cut];
    }
}
