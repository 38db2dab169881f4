using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>
/// Seeded random sequences of allocate / release / adopt / config swap / restart. After every step:
/// the ledger's invariants hold (no address held by two Services that may not share it, counts match),
/// no pool is over-used, every Service other than the one acted on keeps exactly its addresses, a
/// failing step leaves the ledger unchanged, and a restart rebuilds exactly the same ledger.
/// </summary>
public class LedgerPropertyTests
{
    private static readonly ServiceGroupConfig[] ConfigA =
    [
        Local("default", v4: [P("10.0.0.0/29"), P("10.0.1.0-10.0.1.3", "10.0.1.0/24")], v6: [P("1000::/126")]),
        Remote("bal", v4: [P("10.1.0.0/30"), P("10.1.1.0/31")], v6: [P("1001::/126")], balance: true),
        Local("multi", v4: [P("10.2.1.0/30", "10.2.1.0/24"), P("10.2.2.0/30", "10.2.2.0/24")], v6: [P("1002:1::/126", "1002:1::/64")], multi: true),
        Local("tenant", v4: [P("10.3.0.0/30")], namespaces: ["t1"], enforce: true),
    ];

    private static readonly ServiceGroupConfig[] ConfigB =
    [
        Local("default", v4: [P("10.0.0.0/30"), P("10.0.1.0-10.0.1.3", "10.0.1.0/24")], v6: [P("1000::/127")]),
        Remote("bal", v4: [P("10.1.0.0/30"), P("10.1.1.0/30")], v6: [P("1001::/126")], balance: true),
        Local("moved", v4: [P("10.0.0.4/30")], v6: [P("1000::2/127", "1000::/126")]),
        Local("multi", v4: [P("10.2.1.0/30", "10.2.1.0/24"), P("10.2.2.0/30", "10.2.2.0/24")], multi: true),
    ];

    private static readonly string[] AddressSpace =
    [
        "10.0.0.1", "10.0.0.5", "10.0.1.2", "1000::1", "1000::3", "10.1.0.1", "10.1.1.1", "1001::2",
        "10.2.1.1", "10.2.2.3", "10.3.0.1", "192.0.2.1", "1002:1::1",
    ];

    private static readonly IpNetwork[] AllSubnets = Subnets("10.2.1.0/24", "10.2.2.0/24", "1002:1::/64");

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 16; seed++) data.Add(seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_sequences_keep_every_invariant(int seed)
    {
        var rng = new Random(seed);
        var configs = new[] { Config(ConfigA), Config(ConfigB) };
        int current = 0;
        var ledger = new IpamLedger(configs[current]);
        var model = new Dictionary<string, string[]>();
        var services = Enumerable.Range(0, 30).Select(i => $"{(i % 5 == 0 ? "t1" : "ns" + (i % 3))}/svc{i}").ToArray();

        for (int step = 0; step < 300; step++)
        {
            var svc = services[rng.Next(services.Length)];
            int op = rng.Next(100);
            string what;
            if (op < 55)
            {
                var req = RandomRequest(rng, svc);
                what = $"allocate {req}";
                var r = ledger.Checked(req);
                if (r.Succeeded) model[svc] = r.Texts();
            }
            else if (op < 70)
            {
                what = $"release {svc}";
                var r = ledger.Release(svc);
                Assert.Equal(model.TryGetValue(svc, out var had) ? had.Length : 0, r.Released.Count);
                model.Remove(svc);
            }
            else if (op < 77 && model.TryGetValue(svc, out var held))
            {
                var one = held[rng.Next(held.Length)];
                what = $"release {one} of {svc}";
                ledger.ReleaseAddress(svc, IpAddr.Parse(one));
                var rest = held.Where(a => a != one).ToArray();
                if (rest.Length == 0) model.Remove(svc);
                else model[svc] = rest;
            }
            else if (op < 84)
            {
                var addrs = Enumerable.Range(0, rng.Next(1, 3)).Select(_ => AddressSpace[rng.Next(AddressSpace.Length)]).Distinct().ToArray();
                var existing = new ExistingAllocation(svc, svc.Split('/')[0], addrs, RandomKey(rng), RandomPorts(rng));
                what = $"assign {existing}";
                var r = ledger.AssignChecked(existing);
                if (r.Succeeded) model[svc] = r.Texts();
            }
            else if (op < 92)
            {
                current = 1 - current;
                what = $"config {current}";
                var change = ledger.SetConfig(configs[current]);
                Assert.True(change.Applied);
            }
            else
            {
                what = "restart";
                var before = ledger.DumpState();
                var existing = ledger.Services.Select(k => ledger.AllocationOf(k)!)
                    .Select(a => new ExistingAllocation(a.ServiceKey, a.ServiceKey.Split('/')[0],
                        a.Addresses.Select(x => x.ToString()).ToArray(), a.SharingKey, a.Ports))
                    .OrderBy(_ => rng.Next()).ToList();
                ledger = new IpamLedger(configs[current]);
                var report = ledger.Rebuild(existing);
                Assert.Empty(report.Failures);
                Assert.Equal(before, ledger.DumpState());
            }

            var violation = ledger.FindInvariantViolation();
            Assert.True(violation is null, $"seed {seed} step {step} ({what}): {violation}");
            foreach (var usage in ledger.Usage())
            {
                Assert.True(usage.UsedV4 <= usage.SizeV4 && usage.UsedV6 <= usage.SizeV6, $"{usage.Pool.Name} over-used");
            }
            Assert.Equal(model.Keys.Order(), ledger.Services.Order());
            foreach (var (key, addrs) in model)
                Assert.True(addrs.SequenceEqual(ledger.AllocationOf(key)!.Addresses.Select(a => a.ToString())),
                    $"seed {seed} step {step} ({what}): {key} changed");
        }
    }

    private static AllocationRequest RandomRequest(Random rng, string svc)
    {
        string?[] groups = [null, null, "default", "bal", "multi", "tenant", "moved", "nope"];
        IpFamily[][] families = [[], V4, V6, Dual, Dual6];
        var pins = rng.Next(10) == 0
            ? Enumerable.Range(0, rng.Next(1, 3)).Select(_ => AddressSpace[rng.Next(AddressSpace.Length)]).ToArray()
            : null;
        bool? multi = rng.Next(10) switch { 0 => true, 1 => false, _ => null };
        var active = AllSubnets.Where(_ => rng.Next(3) > 0).ToArray();
        return Req(svc, groups[rng.Next(groups.Length)], families[rng.Next(families.Length)],
            (IpFamilyPolicy)rng.Next(4), pins, RandomKey(rng), RandomPorts(rng), multi, active);
    }

    private static string? RandomKey(Random rng) => rng.Next(10) switch { 0 or 1 => "a", 2 => "b", _ => null };

    private static ServicePort[] RandomPorts(Random rng)
    {
        ServicePort[] all = [new(PortProtocol.TCP, 80), new(PortProtocol.TCP, 81), new(PortProtocol.UDP, 80), new(PortProtocol.TCP, 443)];
        return all.Where(_ => rng.Next(3) == 0).ToArray();
    }
}
