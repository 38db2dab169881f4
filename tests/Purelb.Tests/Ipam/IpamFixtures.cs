using Purelb.Ipam;
using Xunit;

namespace Purelb.Tests.Ipam;

/// <summary>Small builders that keep the test tables readable.</summary>
internal static class Fx
{
    public const string Ns = "purelb-system";

    /// <summary>An AddressPool entry; a CIDR range is its own subnet unless one is given.</summary>
    public static AddressPoolConfig P(string range, string? subnet = null, string? aggregation = null) =>
        new(range, subnet ?? DefaultSubnet(range), aggregation);

    private static string DefaultSubnet(string range)
    {
        if (!range.Contains('-')) return range;
        var start = IpAddr.Parse(range.Split('-')[0].Trim());
        return start.Family == IpFamily.IPv4 ? $"{start}/0" : $"{start}/0";
    }

    public static ServiceGroupConfig Local(string name, AddressPoolConfig[]? v4 = null, AddressPoolConfig[]? v6 = null,
        bool multi = false, bool balance = false, bool skipDad = false, string[]? namespaces = null, bool enforce = false,
        bool nsDefault = false, string ns = Ns) =>
        new(name, ns, Local: new ServiceGroupLocalConfig(V4Pools: v4, V6Pools: v6, SkipIPv6Dad: skipDad, MultiPool: multi, BalancePools: balance),
            Namespaces: namespaces, EnforceNamespaces: enforce, NamespaceDefault: nsDefault);

    public static ServiceGroupConfig Remote(string name, AddressPoolConfig[]? v4 = null, AddressPoolConfig[]? v6 = null,
        bool multi = false, bool balance = false, string[]? namespaces = null, bool enforce = false, bool nsDefault = false) =>
        new(name, Ns, Remote: new ServiceGroupRemoteConfig(V4Pools: v4, V6Pools: v6, MultiPool: multi, BalancePools: balance),
            Namespaces: namespaces, EnforceNamespaces: enforce, NamespaceDefault: nsDefault);

    public static ServiceGroupConfig External(string name, string provider = "netbox", string announce = "remote", string? socket = null) =>
        new(name, Ns, External: new ServiceGroupExternalConfig(provider, socket, announce));

    public static IpamConfig Config(params ServiceGroupConfig[] groups)
    {
        var config = IpamConfig.Build(groups);
        Assert.True(config.Problems.Count == 0, string.Join("\n", config.Problems));
        return config;
    }

    public static IpamLedger Ledger(params ServiceGroupConfig[] groups) => new(Config(groups));

    public static AllocationRequest Req(string key, string? group = null, IpFamily[]? families = null,
        IpFamilyPolicy policy = IpFamilyPolicy.Unspecified, string[]? pins = null, string? sharing = null,
        ServicePort[]? ports = null, bool? multi = null, IpNetwork[]? active = null)
    {
        var ns = key.Contains('/') ? key[..key.IndexOf('/')] : "default";
        return new AllocationRequest(key, ns, group, families, policy, pins, sharing, ports, multi,
            active is null ? null : new HashSet<IpNetwork>(active));
    }

    public static ServicePort[] Ports(params string[] specs) =>
        specs.Select(s =>
        {
            var parts = s.Split('/');
            return new ServicePort(Enum.Parse<PortProtocol>(parts[0], ignoreCase: true), int.Parse(parts[1]));
        }).ToArray();

    public static IpNetwork[] Subnets(params string[] cidrs) => cidrs.Select(IpNetwork.Parse).ToArray();

    public static readonly IpFamily[] V4 = [IpFamily.IPv4];
    public static readonly IpFamily[] V6 = [IpFamily.IPv6];
    public static readonly IpFamily[] Dual = [IpFamily.IPv4, IpFamily.IPv6];
    public static readonly IpFamily[] Dual6 = [IpFamily.IPv6, IpFamily.IPv4];

    /// <summary>Runs an allocation and, when it fails, proves the ledger did not change.</summary>
    public static AllocationResult Allocate(this IpamLedger ledger, string key, string? group = null, IpFamily[]? families = null,
        IpFamilyPolicy policy = IpFamilyPolicy.Unspecified, string[]? pins = null, string? sharing = null,
        ServicePort[]? ports = null, bool? multi = null, IpNetwork[]? active = null) =>
        ledger.Checked(Req(key, group, families, policy, pins, sharing, ports, multi, active));

    public static AllocationResult Checked(this IpamLedger ledger, AllocationRequest request)
    {
        var before = ledger.DumpState();
        var result = ledger.Allocate(request);
        if (!result.Succeeded) Assert.Equal(before, ledger.DumpState());
        Assert.Null(ledger.FindInvariantViolation());
        return result;
    }

    public static AllocationResult AssignChecked(this IpamLedger ledger, ExistingAllocation existing)
    {
        var before = ledger.DumpState();
        var result = ledger.Assign(existing);
        if (!result.Succeeded) Assert.Equal(before, ledger.DumpState());
        Assert.Null(ledger.FindInvariantViolation());
        return result;
    }

    public static string[] Texts(this AllocationResult r) => r.Addresses.Select(a => a.ToString()).ToArray();

    public static void Ok(this AllocationResult r, params string[] addresses)
    {
        Assert.True(r.Succeeded, r.ToString());
        Assert.Equal(addresses, r.Texts());
    }

    public static void Fails(this AllocationResult r, AllocationError error, string? messagePart = null)
    {
        Assert.False(r.Succeeded, r.ToString());
        Assert.Equal(error, r.Error);
        if (messagePart is not null) Assert.Contains(messagePart, r.Message);
    }

    public static PoolUsage Use(this IpamLedger ledger, string pool) => ledger.Usage(pool)!;
}
