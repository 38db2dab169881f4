using System.Net;
using System.Text.RegularExpressions;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// A validated <see cref="NetboxSpec"/>: URL normalised, enums parsed, prefixes checked. Built once
/// per configuration delivery; the client never re-parses strings.
/// </summary>
public sealed partial record NetboxPoolConfig
{
    public const string DefaultTokenSecretName = "netbox-client";
    public const string DefaultTokenSecretKey = "user-token";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Always ends in <c>/api/</c>.</summary>
    public required Uri ApiRoot { get; init; }
    public required string TenantSlug { get; init; }
    public required string TokenSecretName { get; init; }
    public required string TokenSecretKey { get; init; }
    public NetboxTokenScheme TokenScheme { get; init; }
    public NetboxFlow Flow { get; init; }
    public NetboxPrefixSelector? V4Prefix { get; init; }
    public NetboxPrefixSelector? V6Prefix { get; init; }
    public bool ServesIPv4 { get; init; }
    public bool ServesIPv6 { get; init; }
    public string Announce { get; init; } = "remote";
    public string? Aggregation { get; init; }
    public int? PrefixLength { get; init; }
    public string? CaBundlePem { get; init; }
    public SecretKeyRef? CaSecretRef { get; init; }
    public string? Cluster { get; init; }
    public string? DnsZone { get; init; }
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Where the token comes from, for error messages (never the token itself).</summary>
    public string TokenSource => $"Secret {TokenSecretName} key {TokenSecretKey}";

    public NetboxPrefixSelector? PrefixFor(bool ipv6) => ipv6 ? V6Prefix : V4Prefix;

    public static bool TryCreate(NetboxSpec spec, out NetboxPoolConfig? config, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        config = null;

        Uri? apiRoot = null;
        if (string.IsNullOrWhiteSpace(spec.Url))
            problems.Add("netbox.url is required");
        else if ((apiRoot = NormaliseUrl(spec.Url)) is null)
            problems.Add($"netbox.url \"{spec.Url}\" is not an absolute http(s) URL");

        if (string.IsNullOrWhiteSpace(spec.Tenant))
            problems.Add("netbox.tenant (a tenant slug) is required");
        else if (!SlugPattern().IsMatch(spec.Tenant))
            problems.Add($"netbox.tenant \"{spec.Tenant}\" is not a Netbox slug (letters, digits, - and _)");

        string secretName = spec.TokenSecretRef?.Name ?? DefaultTokenSecretName;
        string secretKey = spec.TokenSecretRef?.Key ?? DefaultTokenSecretKey;
        if (secretName.Length == 0 || secretKey.Length == 0)
            problems.Add("netbox.tokenSecretRef needs a name and a key");

        var scheme = NetboxTokenScheme.Auto;
        if (spec.TokenScheme is { } s && !Enum.TryParse(s, ignoreCase: true, out scheme))
            problems.Add($"netbox.tokenScheme \"{s}\" must be auto, Token or Bearer");

        var flow = NetboxFlow.Prefix;
        if (spec.Flow is { } f && !Enum.TryParse(f, ignoreCase: true, out flow))
            problems.Add($"netbox.flow \"{f}\" must be prefix or reserved");

        var v4 = Selector(spec.V4Prefix, spec.V4PrefixId, spec.VrfId, ipv6: false, "v4prefix", problems);
        var v6 = Selector(spec.V6Prefix, spec.V6PrefixId, spec.VrfId, ipv6: true, "v6prefix", problems);

        bool servesV4, servesV6;
        switch (spec.Family?.ToLowerInvariant())
        {
            case null or "":
                servesV4 = flow == NetboxFlow.Reserved || v4 is not null;
                servesV6 = flow == NetboxFlow.Reserved || v6 is not null;
                break;
            case "ipv4": servesV4 = true; servesV6 = false; break;
            case "ipv6": servesV4 = false; servesV6 = true; break;
            case "dualstack": servesV4 = servesV6 = true; break;
            default:
                problems.Add($"netbox.family \"{spec.Family}\" must be IPv4, IPv6 or DualStack");
                servesV4 = servesV6 = false;
                break;
        }
        if (flow == NetboxFlow.Prefix)
        {
            if (v4 is null && v6 is null)
                problems.Add("netbox.flow prefix needs v4prefix/v4prefixId or v6prefix/v6prefixId");
            if (servesV4 && v4 is null && v6 is not null && spec.Family is not null)
                problems.Add("netbox.family includes IPv4 but no v4prefix is set");
            if (servesV6 && v6 is null && v4 is not null && spec.Family is not null)
                problems.Add("netbox.family includes IPv6 but no v6prefix is set");
        }

        string announce = spec.Announce?.ToLowerInvariant() ?? "remote";
        if (announce is not ("local" or "remote"))
            problems.Add($"netbox.announce \"{spec.Announce}\" must be local or remote");

        if (spec.Aggregation is { Length: > 0 } agg && agg != "default" && !AggregationPattern().IsMatch(agg))
            problems.Add($"netbox.aggregation \"{agg}\" must be default or /8 … /128");

        if (spec.PrefixLength is { } pl && (pl < 1 || pl > 128))
            problems.Add($"netbox.prefixLength {pl} must be 1 … 128");

        if (spec.Cluster is { } cluster && !ClusterPattern().IsMatch(cluster))
            problems.Add($"netbox.cluster \"{cluster}\" must be letters, digits, '.', '-' or '_' (no spaces)");

        if (spec.DnsZone is { } zone && !DnsZonePattern().IsMatch(zone))
            problems.Add($"netbox.dnsZone \"{zone}\" is not a DNS name");

        if (!string.IsNullOrWhiteSpace(spec.CaBundle) && spec.CaSecretRef is not null)
            problems.Add("netbox.caBundle and netbox.caSecretRef are exclusive");
        if (spec.CaSecretRef is { } ca && (string.IsNullOrEmpty(ca.Name) || string.IsNullOrEmpty(ca.Key)))
            problems.Add("netbox.caSecretRef needs a name and a key");
        if (!string.IsNullOrWhiteSpace(spec.CaBundle))
        {
            try
            {
                NetboxHttpHandler.LoadBundle(spec.CaBundle);
            }
            catch (ArgumentException e)
            {
                problems.Add($"netbox.caBundle: {e.Message}");
            }
        }

        var timeout = DefaultTimeout;
        if (spec.TimeoutSeconds is { } t)
        {
            if (t < 1 || t > 300) problems.Add($"netbox.timeoutSeconds {t} must be 1 … 300");
            else timeout = TimeSpan.FromSeconds(t);
        }

        errors = problems;
        if (problems.Count > 0)
            return false;

        config = new NetboxPoolConfig
        {
            ApiRoot = apiRoot!,
            TenantSlug = spec.Tenant!,
            TokenSecretName = secretName,
            TokenSecretKey = secretKey,
            TokenScheme = scheme,
            Flow = flow,
            V4Prefix = v4,
            V6Prefix = v6,
            ServesIPv4 = servesV4,
            ServesIPv6 = servesV6,
            Announce = announce,
            Aggregation = spec.Aggregation,
            PrefixLength = spec.PrefixLength,
            CaBundlePem = string.IsNullOrWhiteSpace(spec.CaBundle) ? null : spec.CaBundle,
            CaSecretRef = spec.CaSecretRef,
            Cluster = spec.Cluster,
            DnsZone = spec.DnsZone?.TrimEnd('.'),
            Timeout = timeout,
        };
        return true;
    }

    /// <summary>
    /// Accepts the Netbox root with or without <c>/api</c> and trailing slash (upstream needed an
    /// exact trailing slash and its docs showed <c>…/api</c>, which the code then doubled).
    /// </summary>
    public static Uri? NormaliseUrl(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            return null;
        string path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
            path = path[..^4];
        var builder = new UriBuilder(uri) { Path = path + "/api/" };
        return builder.Uri;
    }

    private static NetboxPrefixSelector? Selector(string? cidr, int? id, int? vrfId, bool ipv6, string field, List<string> problems)
    {
        if (cidr is null && id is null)
            return null;
        if (id is { } i && i <= 0)
        {
            problems.Add($"netbox.{field}Id {i} must be a positive Netbox id");
            return null;
        }
        IPNetwork? network = null;
        if (cidr is not null)
        {
            if (!IPNetwork.TryParse(cidr, out var parsed) || cidr.IndexOf('/') < 0)
            {
                problems.Add($"netbox.{field} \"{cidr}\" is not a CIDR");
                return null;
            }
            if ((parsed.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != ipv6)
            {
                problems.Add($"netbox.{field} \"{cidr}\" is not an IPv{(ipv6 ? 6 : 4)} prefix");
                return null;
            }
            network = parsed;
        }
        return new NetboxPrefixSelector(id, network, vrfId);
    }

    [GeneratedRegex("^[-a-zA-Z0-9_]+$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^/([89]|[1-9][0-9]|1[01][0-9]|12[0-8])$")]
    private static partial Regex AggregationPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,40}$")]
    private static partial Regex ClusterPattern();

    [GeneratedRegex(@"^[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*\.?$")]
    private static partial Regex DnsZonePattern();
}

/// <summary>A prefix named by Netbox id, by CIDR (looked up, optionally in a VRF), or both (checked to agree).</summary>
public sealed record NetboxPrefixSelector(int? Id, IPNetwork? Cidr, int? VrfId)
{
    public override string ToString() => (Id, Cidr) switch
    {
        ({ } id, { } cidr) => $"prefix {cidr} (id {id})",
        ({ } id, null) => $"prefix id {id}",
        (null, { } cidr) => VrfId is { } vrf ? $"prefix {cidr} in VRF {vrf}" : $"prefix {cidr}",
        _ => "no prefix",
    };
}
