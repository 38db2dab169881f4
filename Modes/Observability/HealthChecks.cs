namespace Purelb.Modes.Observability;

/// <summary>
/// Named checks behind /healthz (the process can make progress) and /readyz (it is doing its job:
/// API reachable, first sync done, and for the agent its Lease held).
/// </summary>
public sealed class HealthChecks
{
    private readonly List<(string Name, Func<(bool Ok, string Detail)> Check)> _liveness = [];
    private readonly List<(string Name, Func<(bool Ok, string Detail)> Check)> _readiness = [];

    public void AddLiveness(string name, Func<(bool Ok, string Detail)> check)
    {
        lock (_liveness) _liveness.Add((name, check));
    }

    public void AddReadiness(string name, Func<(bool Ok, string Detail)> check)
    {
        lock (_readiness) _readiness.Add((name, check));
    }

    public (bool Ok, string Report) Live() => Evaluate(_liveness);

    public (bool Ok, string Report) Ready() => Evaluate(_readiness);

    private static (bool, string) Evaluate(List<(string Name, Func<(bool Ok, string Detail)> Check)> checks)
    {
        (string Name, Func<(bool Ok, string Detail)> Check)[] copy;
        lock (checks) copy = [.. checks];
        bool all = true;
        var lines = new List<string>();
        foreach (var (name, check) in copy)
        {
            (bool ok, string detail) result;
            try { result = check(); }
            catch (Exception e) { result = (false, e.Message); }
            all &= result.ok;
            lines.Add($"[{(result.ok ? "+" : "-")}]{name} {(result.ok ? "ok" : "failed")}{(string.IsNullOrEmpty(result.detail) ? "" : ": " + result.detail)}");
        }
        lines.Add(all ? "ok" : "not ok");
        return (all, string.Join('\n', lines) + "\n");
    }
}
