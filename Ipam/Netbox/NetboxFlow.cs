namespace Purelb.Ipam.Netbox;

/// <summary>How fresh addresses are obtained; pinned addresses and release work the same in both.</summary>
public enum NetboxFlow
{
    /// <summary><c>POST prefixes/{id}/available-ips/</c>: Netbox picks and creates the record atomically.</summary>
    Prefix,
    /// <summary>Claim a <c>reserved</c> record of the tenant and mark it <c>active</c> (upstream v0.16).</summary>
    Reserved,
}

/// <summary>The Authorization header scheme.</summary>
public enum NetboxTokenScheme
{
    /// <summary><c>nbt_…</c> tokens use Bearer (v2), all others Token (v1).</summary>
    Auto,
    Token,
    Bearer,
}
