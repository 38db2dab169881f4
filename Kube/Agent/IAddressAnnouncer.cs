using System.Net;
using Purelb.Election;
using Purelb.Modes.Agent.Model;

namespace Purelb.Kube.Agent;

/// <summary>
/// The node's side of local announcement as the controller sees it: what the host's network looks like, and
/// the per-Service desired addresses to keep on it. Implemented over netlink in <c>Modes/Agent</c>.
/// </summary>
public interface IAddressAnnouncer
{
    /// <summary>Links, addresses and routes now.</summary>
    NodeNetworkFacts ReadFacts();

    /// <summary>
    /// Replaces the addresses this Service wants on this node and brings the kernel in line. Returns the
    /// addresses newly taken (each gets a gratuitous burst) and those of this Service the kernel refused.
    /// </summary>
    AnnounceResult Set(string serviceKey, IReadOnlyList<DesiredLocalAddress> addresses);

    /// <summary>The Service no longer wants anything here.</summary>
    void Remove(string serviceKey);

    /// <summary>
    /// Brings the kernel in line with the desired set: re-adds what someone removed, renews lifetimes, removes our
    /// addresses nobody wants (including a crashed predecessor's; <paramref name="knownVips"/> are the ingress
    /// addresses of our Services). Returns when the next renewal is due.
    /// </summary>
    TimeSpan? Reconcile(IReadOnlySet<IPAddress> knownVips);

    /// <summary>True while the address is desired, not withheld, and its last add did not fail (not withheld because we may not announce).</summary>
    bool Holds(IPAddress address);

    /// <summary>How to announce takeovers from now on.</summary>
    void Configure(GratuitousConfig config);

    /// <summary>Removes every local address we hold, now (fencing, shutdown).</summary>
    void WithdrawAll();

    /// <summary>Raised (from any thread) when the kernel's addresses or links changed.</summary>
    event Action? KernelChanged;
}

/// <param name="Added">Addresses newly put on the kernel by this call.</param>
/// <param name="Failed">Addresses of the Service whose add the kernel refused, with the error; retried at the next kernel pass.</param>
public sealed record AnnounceResult(IReadOnlyList<IPAddress> Added, IReadOnlyList<(IPAddress Address, string Error)> Failed)
{
    public static AnnounceResult None { get; } = new([], []);
}
