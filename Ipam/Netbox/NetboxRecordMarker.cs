using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// How an IP record in Netbox says which owner it belongs to and how to give it back. Lives in
/// the record's <c>description</c>, which Netbox can filter on exactly, so "does this Service
/// already hold an address" is one query and needs no custom fields or tags set up in Netbox:
/// <list type="bullet">
/// <item><c>purelb [cluster ]ns/name</c>: created by purelb; released by deleting it.</item>
/// <item><c>purelb [cluster ]ns/name [reserved]</c>: a reserved record purelb claimed; released by
/// setting it back to <c>reserved</c> with an empty description.</item>
/// <item><c>shared:group/key</c> takes the place of <c>ns/name</c> for Services sharing an address: the group
/// keeps two groups on one tenant that happen to use the same sharing key from finding each other's record.</item>
/// </list>
/// </summary>
internal sealed class NetboxRecordMarker(string? cluster, string? group = null)
{
    private const string Prefix = "purelb ";
    private const string ClaimedSuffix = " [reserved]";
    private const string SharedPrefix = "shared:";

    public string Created(ExternalOwner owner) => Prefix + Scope() + OwnerText(owner);

    public string Claimed(ExternalOwner owner) => Created(owner) + ClaimedSuffix;

    /// <summary>Parses a description this cluster wrote; null for anything else.</summary>
    public (ExternalOwner Owner, bool Claimed)? Parse(string? description)
    {
        if (description is null || !description.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        string rest = description[Prefix.Length..];
        string scope = Scope();
        if (scope.Length > 0)
        {
            if (!rest.StartsWith(scope, StringComparison.Ordinal))
                return null;
            rest = rest[scope.Length..];
        }
        bool claimed = rest.EndsWith(ClaimedSuffix, StringComparison.Ordinal);
        if (claimed)
            rest = rest[..^ClaimedSuffix.Length];
        if (rest.StartsWith(SharedPrefix, StringComparison.Ordinal))
        {
            string key = rest[SharedPrefix.Length..];
            if (group is not null)
            {
                // Another group's shared record is not ours to adopt or give back.
                if (!key.StartsWith(group + "/", StringComparison.Ordinal)) return null;
                key = key[(group.Length + 1)..];
            }
            return key.Length == 0 ? null : (new ExternalOwner(SharedServiceKey, key), claimed);
        }
        int slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest.IndexOf('/', slash + 1) >= 0 || rest.Contains(' '))
            return null;
        return (new ExternalOwner(rest), claimed);
    }

    /// <summary>Service key of holdings listed for a sharing key: the record does not say which Services share it.</summary>
    public const string SharedServiceKey = "*/*";

    private string Scope() => cluster is null ? "" : cluster + " ";

    private string OwnerText(ExternalOwner owner) =>
        owner.IsShared ? SharedPrefix + (group is null ? "" : group + "/") + owner.SharingKey : owner.ServiceKey;
}
