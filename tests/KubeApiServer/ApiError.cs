using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>A failure answered to the client as a meta/v1 Status, in the real server's wording.</summary>
public sealed class ApiError : Exception
{
    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }

    public ApiError(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    public static JsonObject Status(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = code < 400 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details != null) status["details"] = details.DeepClone();
        if (code < 400) { status.Remove("message"); status.Remove("reason"); }
        return status;
    }

    static JsonObject NameDetails(string name, string group, string kind) =>
        new() { ["name"] = name, ["group"] = group, ["kind"] = kind };

    static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static ApiError NotFound(string resource, string group, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", NameDetails(name, group, resource));

    public static ApiError AlreadyExists(string resource, string group, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", NameDetails(name, group, resource));

    public static ApiError Conflict(string resource, string group, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            NameDetails(name, group, resource));

    /// <summary>An update whose body names another uid than the stored object's: kube-apiserver treats a uid in the
    /// body as a precondition.</summary>
    public static ApiError UidPrecondition(string resource, string group, string name, string sent, string stored) =>
        new(409, "Conflict", $"Precondition failed: UID in precondition: {sent}, UID in object meta: {stored}", NameDetails(name, group, resource));

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError Internal(string message) => new(500, "InternalError", message,
        new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    /// <summary>422 with one cause per field error, message shaped "Kind.group "name" is invalid: ...".</summary>
    public static ApiError Invalid(string kind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var text = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var causes = new JsonArray();
        foreach (var e in errors)
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Detail(), ["field"] = e.Field });
        var details = new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = kind, ["causes"] = causes };
        return new ApiError(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {text}", details);
    }
}

/// <summary>One field validation failure, printed like apimachinery's field.Error.</summary>
public sealed record FieldError(string Field, string Reason, string Summary, string? Value, string? Explanation)
{
    public static FieldError Required(string field, string? explanation = null) =>
        new(field, "FieldValueRequired", "Required value", null, explanation);
    public static FieldError Invalid(string field, string value, string explanation) =>
        new(field, "FieldValueInvalid", "Invalid value", value, explanation);
    public static FieldError NotSupported(string field, string value, IEnumerable<string> allowed) =>
        new(field, "FieldValueNotSupported", "Unsupported value", value, "supported values: " + string.Join(", ", allowed));
    public static FieldError TypeInvalid(string field, string value, string explanation) =>
        new(field, "FieldValueTypeInvalid", "Invalid value", value, explanation);
    public static FieldError Forbidden(string field, string explanation) =>
        new(field, "FieldValueForbidden", "Forbidden", null, explanation);
    public static FieldError TooMany(string field, int actual, int max) =>
        new(field, "FieldValueTooMany", "Too many", actual.ToString(), $"must have at most {max} items");
    public static FieldError TooLong(string field, int max) =>
        new(field, "FieldValueTooLong", "Too long", null, $"may not be more than {max} bytes");

    public string Detail()
    {
        var parts = new List<string> { Summary };
        if (Value != null) parts[0] += ": " + Value;
        if (Explanation != null) parts.Add(Explanation);
        return string.Join(": ", parts);
    }

    public override string ToString() => $"{Field}: {Detail()}";
}
