using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Fakes.FakeNetbox;
using Purelb.Tests.Netbox;
using Xunit;
using static Purelb.Tests.Allocator.AllocatorNetboxTests;

namespace Purelb.Tests.Allocator;

/// <summary>
/// Netbox groups through the real allocator, continued: sharing, the start-up sweep of orphans, ServiceGroup status
/// and metrics, pinned addresses, the reserved flow with ETags, a CA from a Secret and each fault of issue 7. Every
/// test ends with Netbox and the Services' status agreeing exactly.
/// </summary>
public class AllocatorNetboxLifecycleTests
{
    private static JsonObject Shared(Bed bed, string name, string key, int port) =>
        bed.Lab.Service("default", name, annotations: $$"""{"purelb.io/service-group":"nb","purelb.io/allow-shared-ip":"{{key}}"}""", port: port);

    private static void PatchService(Bed bed, string name, string mergePatch) =>
        bed.Lab.Api.Patch(new Target(bed.Lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service"), "default", name, null),
            "application/merge-patch+json", JsonNode.Parse(mergePatch), new WriteOptions());

    private static JsonObject? Group(Bed bed, string name) =>
        bed.Lab.Api.GetObject("purelb.io/v2", "ServiceGroup", AllocatorLab.InstallNamespace, name);

    private static JsonObject? ConditionOf(JsonObject? group, string type) =>
        (group?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    private static int Creates(Bed bed) =>
        bed.Netbox.Requests.Count(r => r.Method == "POST" && r.Path.Contains("available-ips", StringComparison.Ordinal));

    [Fact]
    public async Task A_shared_address_has_one_stable_record_released_only_with_the_last_sharer()
    {
        await using var bed = await StartAsync();
        Shared(bed, "http", "pair", 80);
        var first = Assert.Single(await IngressAsync(bed, "http"));
        Shared(bed, "https", "pair", 443);
        Assert.Equal(first, Assert.Single(await IngressAsync(bed, "https")));
        var record = Assert.Single(Marked(bed.Netbox));
        Assert.Equal("purelb shared:nb/pair", record.Description);
        Assert.Equal(first, record.Ip.ToString());
        Assert.Equal("", record.DnsName); // no one Service's name: the record outlives whichever Service made it
        Assert.Equal(1, Creates(bed));

        Delete(bed.Lab, "Service", "default", "http");
        await bed.Lab.EventuallyAsync(() => bed.Lab.Allocator!.Lines().Any(l => l.Contains("leaves the address of sharing key pair")),
            x => x, "the allocator to keep the shared record for https", seconds: 30);
        Assert.Equal(record, Assert.Single(Marked(bed.Netbox))); // untouched: same id, description, version
        Assert.Equal(first, Assert.Single(AllocatorLab.Ingress(bed.Lab.GetService("default", "https"))));

        // A restart neither drops nor duplicates it, and the remaining sharer is still the holder.
        bed.Lab.Allocator!.Kill();
        bed.Lab.StartAllocator();
        await bed.Lab.EventuallyAsync(() => bed.Lab.Allocator!.Lines().Any(l => l.Contains("records of purelb found")), x => x,
            "the start-up sweep of pool nb", seconds: 60); // a restart on a loaded machine can take many seconds
        Assert.Equal(record, Assert.Single(Marked(bed.Netbox)));

        Delete(bed.Lab, "Service", "default", "https");
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 0, "the shared record to go with its last Service");
        Assert.Equal(1, Creates(bed));
    }

    [Fact]
    public async Task Sharers_of_a_netbox_address_may_not_use_the_same_port()
    {
        await using var bed = await StartAsync();
        Shared(bed, "web", "ports", 80);
        var first = Assert.Single(await IngressAsync(bed, "web"));
        Shared(bed, "clash", "ports", 80);
        var failed = await bed.Lab.EventuallyAsync(() => bed.Lab.Events("AllocationFailed"), e => e.Count > 0, "an AllocationFailed event", 30);
        Assert.Contains("TCP/80", (string?)failed[0]["message"]);
        Assert.Contains("default/web", (string?)failed[0]["message"]);
        Shared(bed, "tls", "ports", 443);
        Assert.Equal(first, Assert.Single(await IngressAsync(bed, "tls")));
        Assert.Empty(AllocatorLab.Ingress(bed.Lab.GetService("default", "clash")));
        Assert.Single(Marked(bed.Netbox));
        Assert.Equal(1, Creates(bed));
    }

    [Fact]
    public async Task Records_of_Services_deleted_while_the_allocator_was_down_are_given_back_at_start_and_the_rest_adopted()
    {
        await using var bed = await StartAsync();
        Service(bed.Lab, "gone");
        Service(bed.Lab, "stays", dual: true);
        Shared(bed, "s1", "gonekey", 80);
        Shared(bed, "s2", "gonekey", 81);
        await IngressAsync(bed, "gone");
        var stays = await IngressAsync(bed, "stays", 2);
        await IngressAsync(bed, "s1");
        await IngressAsync(bed, "s2");
        Assert.Equal(4, Marked(bed.Netbox).Count);
        bed.Lab.Allocator!.Kill();
        Assert.True(bed.Lab.Allocator.WaitForExit(TimeSpan.FromSeconds(10)));

        Delete(bed.Lab, "Service", "default", "gone");
        Delete(bed.Lab, "Service", "default", "s1");
        Delete(bed.Lab, "Service", "default", "s2");
        // Someone else's records in the same tenant, and one of another cluster's purelb, are never touched.
        bed.Netbox.Store.AddIp("192.0.2.6/29", tenantSlug: "k8s", description: "router uplink");
        bed.Netbox.Store.AddIp("2001:db8::7/125", tenantSlug: "k8s", description: "purelb east default/gone");
        int createsBefore = Creates(bed);
        bed.Netbox.ClearLog();

        bed.Lab.StartAllocator();
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count(r => r.Description.StartsWith("purelb default/", StringComparison.Ordinal)
                                                                        || r.Description.StartsWith("purelb shared:", StringComparison.Ordinal)),
            n => n == 2, "the orphans' records to be given back", seconds: 60);
        AssertAgree2(bed);
        Assert.Equal(stays, AllocatorLab.Ingress(bed.Lab.GetService("default", "stays")));
        Assert.Equal(0, Creates(bed)); // "stays" was adopted: its records found, none made
        Assert.True(createsBefore >= 4);
        Assert.Contains(bed.Netbox.Store.Addresses, r => r.Description == "router uplink");
        Assert.Contains(bed.Netbox.Store.Addresses, r => r.Description == "purelb east default/gone");
        Assert.Equal(2, bed.Netbox.Requests.Count(r => r.Method == "DELETE"));

        static void AssertAgree2(Bed bed)
        {
            var ours = Marked(bed.Netbox).Where(r => !r.Description.StartsWith("purelb east", StringComparison.Ordinal)).ToList();
            Assert.All(ours, r => Assert.Equal("purelb default/stays", r.Description));
            Assert.Equal(AllocatorLab.Ingress(bed.Lab.GetService("default", "stays")).Select(IPAddress.Parse).OrderBy(a => a.ToString()),
                ours.Select(r => r.Ip).OrderBy(a => a.ToString()));
        }
    }

    [Fact]
    public async Task The_ServiceGroup_status_shows_usage_and_reachability_and_pool_metrics_come_from_Netbox()
    {
        int port = FreePort();
        await using var bed = await StartAsync(startAllocator: false);
        bed.Lab.StartAllocator(metricsAddress: $"127.0.0.1:{port}");
        Service(bed.Lab, "web");
        await IngressAsync(bed, "web");
        var group = await bed.Lab.EventuallyAsync(() => Group(bed, "nb"),
            g => (long?)g?["status"]?["allocatedIPv4"] == 1, "status.allocatedIPv4 of nb to be 1", seconds: 30);
        var status = group!["status"]!;
        Assert.Equal("Netbox", (string?)status["ipam"]);
        Assert.Equal("Remote", (string?)status["announce"]);
        Assert.Equal(5, (long?)status["availableIPv4"]); // a /29 that is not a pool: .1-.6 usable
        Assert.Equal(0, (long?)status["allocatedIPv6"]);
        Assert.Equal(7, (long?)status["availableIPv6"]);
        Assert.Equal(new[] { "192.0.2.0/29", "2001:db8::/125" }, ((JsonArray)status["addresses"]!).Select(a => (string)a!).ToArray());
        Assert.Equal("True", (string?)ConditionOf(group, "IpamReachable")?["status"]);
        Assert.Equal("True", (string?)ConditionOf(group, "AddressesAvailable")?["status"]);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("purelb_address_pool_size{pool=\"nb\"} 13", metrics);
        Assert.Contains("purelb_address_pool_addresses_in_use{pool=\"nb\"} 1", metrics);

        // Netbox starts refusing the token: the condition says so and names the Secret; when it accepts it again, back to True.
        bed.Netbox.Inject(FakeFault.Http(403, r => r.Path.StartsWith("/api/", StringComparison.Ordinal)), count: 1000);
        Service(bed.Lab, "second");
        await EventAsync(bed, "second", "AllocationFailed", "Unauthorized");
        group = await bed.Lab.EventuallyAsync(() => Group(bed, "nb"),
            g => (string?)ConditionOf(g, "IpamReachable")?["status"] == "False", "IpamReachable to turn False", seconds: 30);
        var condition = ConditionOf(group, "IpamReachable")!;
        Assert.Equal("Unauthorized", (string?)condition["reason"]);
        Assert.Contains("Secret nb-token key token", (string?)condition["message"]);
        Assert.DoesNotContain(Token, (string?)condition["message"]);
        bed.Netbox.ClearFaults();
        await IngressAsync(bed, "second", seconds: 30);
        group = await bed.Lab.EventuallyAsync(() => Group(bed, "nb"),
            g => (string?)ConditionOf(g, "IpamReachable")?["status"] == "True" && (long?)g?["status"]?["allocatedIPv4"] == 2,
            "IpamReachable True again and 2 addresses allocated", seconds: 30);
        AssertAgree(bed, "web", "second");
    }

    [Fact]
    public async Task Pinned_addresses_are_claimed_in_Netbox_and_follow_the_annotation()
    {
        await using var bed = await StartAsync();
        bed.Netbox.Store.AddIp("192.0.2.4/29", description: "router"); // someone else's
        bed.Lab.Service("default", "named", annotations: """{"purelb.io/service-group":"nb","purelb.io/addresses":"192.0.2.5"}""");
        bed.Lab.Service("default", "bare", annotations: """{"purelb.io/addresses":"192.0.2.2"}"""); // found by the group's prefix
        bed.Lab.Service("default", "taken", annotations: """{"purelb.io/addresses":"192.0.2.4"}""");
        Assert.Equal(new[] { "192.0.2.5" }, await IngressAsync(bed, "named"));
        Assert.Equal(new[] { "192.0.2.2" }, await IngressAsync(bed, "bare"));
        var refused = await EventAsync(bed, "taken", "AllocationFailed", "AddressInUse");
        Assert.Contains("192.0.2.4", (string)refused["message"]!);
        Assert.Empty(AllocatorLab.Ingress(bed.Lab.GetService("default", "taken")));
        Assert.Equal(0, Creates(bed)); // pinned records are created by address, never from available-ips
        Delete(bed.Lab, "Service", "default", "taken");
        AssertAgree(bed, "named", "bare");

        PatchService(bed, "bare", """{"metadata":{"annotations":{"purelb.io/addresses":"192.0.2.3"}}}""");
        await bed.Lab.EventuallyAsync(() => AllocatorLab.Ingress(bed.Lab.GetService("default", "bare")),
            i => i.SequenceEqual(["192.0.2.3"]), "bare to move to 192.0.2.3");
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 2, "192.0.2.2 to be given back");
        AssertAgree(bed, "named", "bare");

        Delete(bed.Lab, "Service", "default", "named");
        Delete(bed.Lab, "Service", "default", "bare");
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 0, "every pinned record to be deleted");
        Assert.Equal("router", Assert.Single(bed.Netbox.Store.Addresses).Description);
    }

    [Fact]
    public async Task The_reserved_flow_claims_with_If_Match_reports_412_and_returns_the_record_to_reserved()
    {
        await using var bed = await StartAsync(extraSpec: ",\"flow\":\"reserved\"");
        int low = bed.Netbox.Store.AddIp("192.0.2.3/29", status: "reserved", tenantSlug: "k8s");
        bed.Netbox.Store.AddIp("192.0.2.5/29", status: "reserved", tenantSlug: "k8s");
        static bool IsPatch(FakeNetboxRequest r) => r.Method == "PATCH";
        // Every claim attempt of the first round loses to "another writer".
        bed.Netbox.Inject(FakeFault.Http(412, IsPatch), count: 5);
        Service(bed.Lab, "web");
        var failed = await EventAsync(bed, "web", "AllocationFailed", "ConcurrentUpdate");
        Assert.Contains("other writers took every reserved address", (string)failed["message"]!);
        Assert.Equal(new[] { "192.0.2.3" }, await IngressAsync(bed, "web", seconds: 30));

        var record = bed.Netbox.Store.Address(low)!;
        Assert.Equal("active", record.Status);
        Assert.Equal("purelb default/web [reserved]", record.Description);
        var patches = bed.Netbox.Requests.Where(IsPatch).ToList();
        Assert.Equal(6, patches.Count);
        Assert.All(patches, p => Assert.Equal($"W/\"{low}-1\"", p.Header("If-Match")));
        Assert.Equal(200, patches[^1].ResponseStatus);
        Assert.Equal(2, bed.Netbox.Store.Addresses.Count); // claimed, never created

        Delete(bed.Lab, "Service", "default", "web");
        await bed.Lab.EventuallyAsync(() => bed.Netbox.Store.Address(low)!, r => r.Status == "reserved", "the record to be reserved again");
        Assert.Equal("", bed.Netbox.Store.Address(low)!.Description);
        var giveBack = bed.Netbox.Requests.Where(IsPatch).Last();
        Assert.Equal($"W/\"{low}-2\"", giveBack.Header("If-Match"));
        Assert.Equal(2, bed.Netbox.Store.Addresses.Count);
        Assert.Empty(Marked(bed.Netbox));
    }

    [Fact]
    public async Task A_CA_from_a_Secret_is_trusted_and_a_wrong_one_is_a_TLS_event_until_the_Secret_is_fixed()
    {
        var ca = NetboxTlsTests.CreateCa("purelb e2e CA");
        var other = NetboxTlsTests.CreateCa("not the right CA");
        var leaf = NetboxTlsTests.CreateLeaf(ca);
        await using var bed = await StartAsync(certificate: leaf, startAllocator: false,
            extraSpec: ",\"caSecretRef\":{\"name\":\"nb-ca\",\"key\":\"ca.crt\"}");
        Assert.StartsWith("https://", bed.Netbox.BaseUrl);
        CaSecret(bed, other.ExportCertificatePem());
        bed.Lab.StartAllocator();
        Service(bed.Lab, "web");
        await EventAsync(bed, "web", "AllocationFailed", "TlsFailure");
        Assert.Empty(bed.Netbox.Requests); // the handshake failed: nothing reached Netbox

        Delete(bed.Lab, "Secret", AllocatorLab.InstallNamespace, "nb-ca");
        CaSecret(bed, ca.ExportCertificatePem());
        await IngressAsync(bed, "web", seconds: 30);
        AssertAgree(bed, "web");

        static void CaSecret(Bed bed, string pem) => bed.Lab.Create(AllocatorLab.Json($$$"""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"nb-ca","namespace":"{{{AllocatorLab.InstallNamespace}}}"},
             "stringData":{"ca.crt":{{{JsonValue.Create(pem).ToJsonString()}}}}}
            """));
    }

    [Fact]
    public async Task Each_Netbox_fault_is_a_clear_event_and_a_retry_and_Netbox_and_status_agree_afterwards()
    {
        await using var bed = await StartAsync(seedPrefixes: false);
        // 404: the configured prefix does not exist (yet).
        Service(bed.Lab, "nf");
        var notFound = await EventAsync(bed, "nf", "AllocationFailed", "NotFound");
        Assert.Contains("192.0.2.0/29", (string)notFound["message"]!);
        bed.Netbox.Store.AddPrefix("192.0.2.0/29", "k8s");
        bed.Netbox.Store.AddPrefix("2001:db8::/125", "k8s");
        await IngressAsync(bed, "nf", seconds: 30);

        bed.Netbox.Inject(FakeFault.Http(401, r => r.Query.Contains("e401", StringComparison.Ordinal)), count: 2);
        Service(bed.Lab, "e401");
        var unauthorized = await EventAsync(bed, "e401", "AllocationFailed", "Unauthorized");
        Assert.Contains("Secret nb-token key token", (string)unauthorized["message"]!);
        await IngressAsync(bed, "e401", seconds: 30);

        bed.Netbox.Inject(FakeFault.Http(403, r => r.Query.Contains("e403", StringComparison.Ordinal)), count: 2);
        Service(bed.Lab, "e403");
        Assert.Contains("403", (string)(await EventAsync(bed, "e403", "AllocationFailed", "Unauthorized"))["message"]!);
        await IngressAsync(bed, "e403", seconds: 30);

        bed.Netbox.Inject(FakeFault.Http(503, r => r.Query.Contains("e503", StringComparison.Ordinal)), count: 2);
        Service(bed.Lab, "e503");
        Assert.Contains("503", (string)(await EventAsync(bed, "e503", "AllocationFailed", "ServerError"))["message"]!);
        await IngressAsync(bed, "e503", seconds: 30);

        bed.Netbox.Inject(FakeFault.Http(404, r => r.Method == "POST"), count: 1);
        Service(bed.Lab, "post404");
        await EventAsync(bed, "post404", "AllocationFailed", "NotFound");
        await IngressAsync(bed, "post404", seconds: 30);
        AssertAgree(bed, "nf", "e401", "e403", "e503", "post404");

        // 409: the /29 has six usable addresses; the seventh Service waits until one is given back.
        Service(bed.Lab, "sixth");
        await IngressAsync(bed, "sixth");
        Service(bed.Lab, "seventh");
        var exhausted = await EventAsync(bed, "seventh", "AllocationFailed", "PoolExhausted");
        Assert.Contains("409", (string)exhausted["message"]!);
        await bed.Lab.EventuallyAsync(() => Group(bed, "nb"),
            g => (string?)ConditionOf(g, "AddressesAvailable")?["reason"] == "PoolExhausted", "AddressesAvailable False", seconds: 30);
        Delete(bed.Lab, "Service", "default", "nf");
        await IngressAsync(bed, "seventh", seconds: 30);
        AssertAgree(bed, "e401", "e403", "e503", "post404", "sixth", "seventh");
        Assert.Equal(6, bed.Netbox.Store.Addresses.Count);

        foreach (var name in new[] { "e401", "e403", "e503", "post404", "sixth", "seventh" }) Delete(bed.Lab, "Service", "default", name);
        await bed.Lab.EventuallyAsync(() => bed.Netbox.Store.Addresses.Count, n => n == 0, "every record to be deleted");
    }

    [Fact]
    public async Task An_external_sidecar_group_gets_status_from_Stats_and_a_condition_when_the_sidecar_is_gone()
    {
        var socket = Purelb.Tests.Fakes.TestSidecar.TestSidecarServer.NewSocketPath();
        var sidecar = await Purelb.Tests.Fakes.TestSidecar.TestSidecarServer.StartAsync(socket, "10.20.30.0/24");
        try
        {
            await using var lab = await AllocatorLab.StartAsync();
            lab.Create(AllocatorLab.Json($$$"""
                {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"ext","namespace":"{{{AllocatorLab.InstallNamespace}}}"},
                 "spec":{"external":{"provider":"test-sidecar","socket":"{{{socket}}}","announce":"remote"} } }
                """));
            int port = FreePort();
            lab.StartAllocator(metricsAddress: $"127.0.0.1:{port}");
            lab.Service("default", "web", annotations: """{"purelb.io/service-group":"ext"}""");
            await lab.IngressOfAsync("default", "web");
            JsonObject? Ext() => lab.Api.GetObject("purelb.io/v2", "ServiceGroup", AllocatorLab.InstallNamespace, "ext");
            var group = await lab.EventuallyAsync(Ext, g => (long?)g?["status"]?["allocatedIPv4"] == 1, "status.allocatedIPv4 of ext to be 1", seconds: 30);
            Assert.Equal("test-sidecar", (string?)group!["status"]!["ipam"]);
            Assert.Equal("10.20.30.0/24", (string?)group["status"]!["addresses"]![0]);
            Assert.NotNull((long?)group["status"]!["availableIPv4"]);
            Assert.Equal("True", (string?)ConditionOf(group, "IpamReachable")?["status"]);

            await sidecar.DisposeAsync();
            lab.Service("default", "second", annotations: """{"purelb.io/service-group":"ext"}""");
            var failed = await lab.EventuallyAsync(() => lab.Events("AllocationFailed").FirstOrDefault(e => (string?)e["involvedObject"]?["name"] == "second"),
                e => e is not null, "an AllocationFailed event on second");
            Assert.Contains("Unavailable", (string)failed!["message"]!);
            group = await lab.EventuallyAsync(Ext, g => (string?)ConditionOf(g, "IpamReachable")?["status"] == "False", "IpamReachable False", seconds: 30);
            Assert.Equal("Unavailable", (string?)ConditionOf(group, "IpamReachable")?["reason"]);
            Assert.Equal(1, (long?)group!["status"]!["allocatedIPv4"]); // the last known counts stay

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            Assert.Contains($"purelb_allocator_sidecar_rpc_total{{socket=\"{socket}\",method=\"/purelb.ipam.v1.IPAM/Allocate\",code=\"OK\"}} 1", metrics);
            Assert.Contains($"purelb_allocator_sidecar_rpc_total{{socket=\"{socket}\",method=\"/purelb.ipam.v1.IPAM/Stats\",code=\"OK\"}}", metrics);
            Assert.Contains($"socket=\"{socket}\",method=\"/purelb.ipam.v1.IPAM/Allocate\",code=\"Unavailable\"}}", metrics);
            Assert.Contains($"purelb_allocator_sidecar_rpc_duration_seconds_count{{socket=\"{socket}\",method=\"/purelb.ipam.v1.IPAM/Allocate\"}}", metrics);
            Assert.Contains("purelb_address_pool_addresses_in_use{pool=\"ext\"} 1", metrics);
        }
        finally
        {
            await sidecar.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
