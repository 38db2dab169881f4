namespace Purelb.Tests.Fakes.FakeNetbox;

public enum FakeFaultKind
{
    /// <summary>Answer with <see cref="FakeFault.Status"/> and a Netbox-style <c>{"detail"}</c> body; nothing is applied.</summary>
    Status,
    /// <summary>Wait <see cref="FakeFault.Delay"/> (and <see cref="FakeFault.Until"/>, when set), then process and answer normally (the client may have given up; the change still happens).</summary>
    DelayBefore,
    /// <summary>Process the request, then wait <see cref="FakeFault.Delay"/> before answering.</summary>
    DelayAnswer,
    /// <summary>Process the request, then drop the connection: the change happened, the answer is lost.</summary>
    LoseAnswer,
    /// <summary>302 to <c>/login/?next=…</c> with an HTML body, as Netbox does for unauthenticated browser-style requests.</summary>
    LoginRedirect,
    /// <summary>200 with an HTML login page (a proxy or SSO in front of Netbox).</summary>
    HtmlPage,
    /// <summary>200 with <c>application/json</c> content type but a body that is not JSON.</summary>
    NonJson,
}

/// <param name="Match">Which requests the fault applies to (default: every /api/ request).</param>
/// <param name="Until">For <see cref="FakeFaultKind.DelayBefore"/>: hold the request until this completes, to order requests deterministically.</param>
public sealed record FakeFault(FakeFaultKind Kind, int Status = 500, TimeSpan Delay = default, Func<FakeNetboxRequest, bool>? Match = null,
    Task? Until = null)
{
    public static FakeFault Http(int status, Func<FakeNetboxRequest, bool>? match = null) => new(FakeFaultKind.Status, status, Match: match);
}

/// <summary>One logged request, as the fake received it.</summary>
public sealed record FakeNetboxRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body)
{
    public int ResponseStatus { get; internal set; }
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    public override string ToString() => $"{Method} {Path}{Query} → {ResponseStatus}";
}
