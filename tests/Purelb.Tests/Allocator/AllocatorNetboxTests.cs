using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Allocator;

/// <summary>
/// A ServiceGroup with <c>spec.netbox</c> end to end: the fake Netbox, the in-repo API server and the real allocator
/// process. After every step the Netbox records carrying purelb's marker and the Services' status must agree exactly:
/// each Service's ingress is exactly the set of records marked for it, and no marked record is left over.
/// </summary>
public class AllocatorNetboxTests
{
    internal const string Token = "0123456789abcdef0123456789abcdef01234567";
    internal const string OtherToken = "nbt_abcdefghijkl.s3cretpartofthetoken000000000000";
    internal const string WrongToken = "ffffffffffffffffffffffffffffffffffffffff";

    internal sealed class Bed : IAsyncDisposable
    {
        public required FakeNetboxServer Netbox { get; init; }
        public required AllocatorLab Lab { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Lab.DisposeAsync();
            await Netbox.DisposeAsync();
        }
    }

    /// <summary>Tenant k8s, a /29 (hosts .1–.6) and a /125; the group "nb" reading its token from Secret nb-token/token.</summary>
    internal static async Task<Bed> StartAsync(string? token = Token, string extraSpec = "", bool startAllocator = true,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null, bool seedPrefixes = true)
    {
        var netbox = await FakeNetboxServer.StartAsync(certificate);
        netbox.Store.AddToken(FakeToken.V1(Token));
        netbox.Store.AddToken(new FakeToken(OtherToken));
        netbox.Store.AddTenant("Kubernetes", "k8s");
        if (seedPrefixes)
        {
            netbox.Store.AddPrefix("192.0.2.0/29", "k8s");
            netbox.Store.AddPrefix("2001:db8::/125", "k8s");
        }
        var lab = await AllocatorLab.StartAsync();
        if (token is not null) Secret(lab, token);
        lab.Create(AllocatorLab.Json($$$"""
            {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"nb","namespace":"{{{AllocatorLab.InstallNamespace}}}"},
             "spec":{"netbox":{"url":"{{{netbox.BaseUrl}}}api","tenant":"k8s","tokenSecretRef":{"name":"nb-token","key":"token"},
                     "v4prefix":"192.0.2.0/29","v6prefix":"2001:db8::/125","timeoutSeconds":3{{{extraSpec}}} } } }
            """));
        if (startAllocator) lab.StartAllocator();
        return new Bed { Netbox = netbox, Lab = lab };
    }

    internal static void Secret(AllocatorLab lab, string token) => lab.Create(AllocatorLab.Json($$$"""
        {"apiVersion":"v1","kind":"Secret","metadata":{"name":"nb-token","namespace":"{{{AllocatorLab.InstallNamespace}}}"},
         "stringData":{"token":"{{{token}}}"}}
        """));

    internal static Target TargetOf(AllocatorLab lab, string kind, string ns, string name) =>
        new(lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == kind), ns, name, null);

    internal static void Delete(AllocatorLab lab, string kind, string ns, string name) =>
        lab.Api.Delete(TargetOf(lab, kind, ns, name), null, new WriteOptions());

    internal static JsonObject Service(AllocatorLab lab, string name, bool dual = false) =>
        lab.Service("default", name, annotations: """{"purelb.io/service-group":"nb"}""",
            extraSpec: dual ? ""","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"]""" : "");

    internal static List<FakeIpAddress> Marked(FakeNetboxServer netbox) =>
        netbox.Store.Addresses.Where(r => r.Description.StartsWith("purelb ", StringComparison.Ordinal)).ToList();

    /// <summary>Netbox and status agree exactly for these Services (all others must hold nothing).</summary>
    internal static void AssertAgree(Bed bed, params string[] services)
    {
        var marked = Marked(bed.Netbox);
        foreach (var name in services)
        {
            var ingress = AllocatorLab.Ingress(bed.Lab.GetService("default", name)).Select(IPAddress.Parse).OrderBy(a => a.ToString()).ToList();
            var records = marked.Where(r => r.Description == $"purelb default/{name}").Select(r => r.Ip).OrderBy(a => a.ToString()).ToList();
            Assert.Equal(records, ingress);
            Assert.NotEmpty(ingress);
        }
        var owners = services.Select(s => $"purelb default/{s}").ToHashSet();
        Assert.All(marked, r => Assert.Contains(r.Description, owners));
        Assert.Equal(marked.Count, marked.Select(r => r.Ip).Distinct().Count());
    }

    internal static Task<IReadOnlyList<string>> IngressAsync(Bed bed, string name, int count = 1, double seconds = 20) =>
        bed.Lab.IngressOfAsync("default", name, count, seconds);

    internal static Task<JsonObject> EventAsync(Bed bed, string service, string reason, string contains, double seconds = 20) =>
        bed.Lab.EventuallyAsync(
            () => bed.Lab.Events(reason).FirstOrDefault(e => (string?)e["involvedObject"]?["name"] == service &&
                                                             ((string?)e["message"] ?? "").Contains(contains, StringComparison.Ordinal)),
            e => e is not null, $"a {reason} event on {service} saying \"{contains}\"", seconds)!;

    [Fact]
    public async Task Single_and_dual_stack_Services_get_Netbox_records_and_give_them_back_on_delete()
    {
        await using var bed = await StartAsync();
        Service(bed.Lab, "web");
        Service(bed.Lab, "both", dual: true);
        var web = await IngressAsync(bed, "web");
        var both = await IngressAsync(bed, "both", 2);
        Assert.StartsWith("192.0.2.", Assert.Single(web));
        Assert.Contains(both, a => IPAddress.Parse(a).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.Contains(both, a => IPAddress.Parse(a).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        var svc = bed.Lab.GetService("default", "web");
        Assert.Equal("nb", AllocatorLab.Annotation(svc, "purelb.io/allocated-from"));
        Assert.Equal("remote", AllocatorLab.Annotation(svc, "purelb.io/pool-type"));
        AssertAgree(bed, "web", "both");
        Assert.Equal("web.default", Marked(bed.Netbox).Single(r => r.Description == "purelb default/web").DnsName);
        // The token went as a v1 token and never appears anywhere in the allocator's log.
        Assert.All(bed.Netbox.Requests, r => Assert.Equal($"Token {Token}", r.Header("Authorization")));
        Assert.DoesNotContain(Token, string.Join("\n", bed.Lab.Allocator!.Lines()));

        Delete(bed.Lab, "Service", "default", "both");
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 1, "the dual-stack records to be deleted");
        AssertAgree(bed, "web");
        Delete(bed.Lab, "Service", "default", "web");
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 0, "every record to be deleted");
        Assert.Empty(bed.Netbox.Store.Addresses);
    }

    [Fact]
    public async Task An_allocator_killed_while_its_POST_is_in_flight_leaves_exactly_one_record_after_restart()
    {
        await using var bed = await StartAsync();
        var release = new TaskCompletionSource();
        static bool IsCreate(FakeNetboxRequest r) => r.Method == "POST" && r.Path.Contains("available-ips", StringComparison.Ordinal);
        bed.Netbox.Inject(new FakeFault(FakeFaultKind.DelayBefore, Match: IsCreate, Until: release.Task));
        Service(bed.Lab, "web");
        await bed.Lab.EventuallyAsync(() => bed.Netbox.Requests.Count(IsCreate), n => n == 1, "the allocator's POST to reach Netbox");
        bed.Lab.Allocator!.Kill();
        Assert.True(bed.Lab.Allocator.WaitForExit(TimeSpan.FromSeconds(10)));
        release.SetResult(); // Netbox finishes what it started; nobody hears the answer
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 1, "the held POST to create its record");
        Assert.Empty(AllocatorLab.Ingress(bed.Lab.GetService("default", "web")));

        bed.Lab.StartAllocator();
        await IngressAsync(bed, "web");
        AssertAgree(bed, "web");
        Assert.Equal(1, bed.Netbox.Requests.Count(IsCreate)); // the restarted allocator found the record instead of creating one
    }

    [Fact]
    public async Task A_record_created_after_its_allocator_died_is_given_back_when_the_Service_already_has_an_address()
    {
        // The restarted allocator wins the race: it allocates while the dead one's POST is still held, which then lands.
        await using var bed = await StartAsync();
        var release = new TaskCompletionSource();
        static bool IsCreate(FakeNetboxRequest r) => r.Method == "POST" && r.Path.Contains("available-ips", StringComparison.Ordinal);
        bed.Netbox.Inject(new FakeFault(FakeFaultKind.DelayBefore, Match: IsCreate, Until: release.Task));
        Service(bed.Lab, "web");
        await bed.Lab.EventuallyAsync(() => bed.Netbox.Requests.Count(IsCreate), n => n == 1, "the allocator's POST to reach Netbox");
        bed.Lab.Allocator!.Kill();
        Assert.True(bed.Lab.Allocator.WaitForExit(TimeSpan.FromSeconds(10)));
        bed.Lab.StartAllocator();
        await IngressAsync(bed, "web");
        release.SetResult();
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 2, "the held POST to create a second record");

        // The next allocator start compares records with status and gives back the stray one.
        bed.Lab.Allocator!.Kill();
        bed.Lab.StartAllocator();
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 1, "the stray record to be given back");
        AssertAgree(bed, "web");
    }

    [Fact]
    public async Task Netbox_faults_are_events_and_retries_and_end_with_agreement()
    {
        await using var bed = await StartAsync();
        static bool Api(FakeNetboxRequest r) => r.Path.StartsWith("/api/", StringComparison.Ordinal);

        bed.Netbox.Inject(FakeFault.Http(500, Api), count: 3);
        Service(bed.Lab, "s500");
        await EventAsync(bed, "s500", "AllocationFailed", "ServerError");
        await IngressAsync(bed, "s500");
        AssertAgree(bed, "s500");

        bed.Netbox.Inject(new FakeFault(FakeFaultKind.LoginRedirect, Match: Api), count: 2);
        Service(bed.Lab, "login");
        await EventAsync(bed, "login", "AllocationFailed", "login page");
        await IngressAsync(bed, "login");
        AssertAgree(bed, "s500", "login");

        bed.Netbox.Inject(new FakeFault(FakeFaultKind.NonJson, Match: Api), count: 2);
        Service(bed.Lab, "garbled");
        await EventAsync(bed, "garbled", "AllocationFailed", "InvalidResponse");
        await IngressAsync(bed, "garbled");
        AssertAgree(bed, "s500", "login", "garbled");

        // The POST is applied but answered after the 3 s timeout: the retry must find the record, not make another.
        bed.Netbox.Inject(new FakeFault(FakeFaultKind.DelayAnswer, Delay: TimeSpan.FromSeconds(5),
            Match: r => r.Method == "POST"), count: 1);
        Service(bed.Lab, "slow");
        await EventAsync(bed, "slow", "AllocationFailed", "Timeout");
        await IngressAsync(bed, "slow");
        AssertAgree(bed, "s500", "login", "garbled", "slow");

        bed.Netbox.Inject(new FakeFault(FakeFaultKind.LoseAnswer, Match: r => r.Method == "POST"), count: 1);
        Service(bed.Lab, "lost");
        await IngressAsync(bed, "lost");
        AssertAgree(bed, "s500", "login", "garbled", "slow", "lost");

        foreach (var name in new[] { "s500", "login", "garbled", "slow", "lost" }) Delete(bed.Lab, "Service", "default", name);
        await bed.Lab.EventuallyAsync(() => Marked(bed.Netbox).Count, n => n == 0, "every record to be deleted");
    }

    [Fact]
    public async Task A_refused_token_is_reported_with_its_Secret_and_a_fixed_Secret_is_picked_up()
    {
        await using var bed = await StartAsync(token: WrongToken);
        Service(bed.Lab, "web");
        var failed = await EventAsync(bed, "web", "AllocationFailed", "Unauthorized");
        var message = (string)failed["message"]!;
        Assert.Contains("Secret nb-token key token", message);
        Assert.DoesNotContain(WrongToken, message);
        Assert.Empty(Marked(bed.Netbox));

        Delete(bed.Lab, "Secret", AllocatorLab.InstallNamespace, "nb-token");
        Secret(bed.Lab, OtherToken); // a v2 token: now sent as Bearer
        await IngressAsync(bed, "web", seconds: 30);
        AssertAgree(bed, "web");
        Assert.Equal($"Bearer {OtherToken}", bed.Netbox.Requests[^1].Header("Authorization"));
        Assert.DoesNotContain(WrongToken, string.Join("\n", bed.Lab.Allocator!.Lines()));
        Assert.DoesNotContain(OtherToken, string.Join("\n", bed.Lab.Allocator!.Lines()));
    }

    [Fact]
    public async Task A_missing_Secret_is_an_event_and_the_Service_is_served_once_it_exists()
    {
        await using var bed = await StartAsync(token: null);
        Service(bed.Lab, "web");
        await EventAsync(bed, "web", "AllocationFailed", "Secret purelb-system/nb-token");
        Assert.Empty(bed.Netbox.Requests);
        Secret(bed.Lab, Token);
        await IngressAsync(bed, "web", seconds: 30);
        AssertAgree(bed, "web");
    }

    [Fact]
    public async Task A_bad_netbox_spec_is_reported_on_the_ServiceGroup_and_other_groups_keep_working()
    {
        await using var bed = await StartAsync(extraSpec: ",\"caBundle\":\"not a certificate\"", startAllocator: false);
        bed.Lab.ServiceGroup("local", "198.51.100.10-198.51.100.20", "198.51.100.0/24");
        bed.Lab.StartAllocator();
        await bed.Lab.EventuallyAsync(
            () => bed.Lab.Events("ParseFailed").FirstOrDefault(e => (string?)e["involvedObject"]?["name"] == "nb"),
            e => e is not null && ((string?)e["message"] ?? "").Contains("netbox.caBundle", StringComparison.Ordinal),
            "a ParseFailed event on ServiceGroup nb naming netbox.caBundle");
        bed.Lab.Service("default", "plain", annotations: """{"purelb.io/service-group":"local"}""");
        Assert.StartsWith("198.51.100.", Assert.Single(await IngressAsync(bed, "plain")));
        Assert.Empty(bed.Netbox.Requests);
    }
}
