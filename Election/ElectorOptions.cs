namespace Purelb.Election;

/// <param name="NodeName">This node (<c>--node-name</c>).</param>
/// <param name="Instance">This pod's UID, written as <c>purelb.io/instance</c>; guards deletion by a replaced pod.</param>
/// <param name="OwnerNodeUid">UID of this Node object for the owner reference, when known.</param>
/// <param name="Timing">Lease and fencing timing.</param>
/// <param name="Subnets">Current value of <c>purelb.io/subnets</c>, read at every renewal.</param>
public sealed record ElectorOptions(
    string NodeName,
    string Instance,
    string? OwnerNodeUid,
    ElectionTiming Timing,
    Func<string> Subnets)
{
    public string LeaseName => LeaseContract.LeaseName(NodeName);
}
