using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class ClockTests
{
    sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Timestamps_and_ages_follow_the_injected_clock()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var s = await StartAsync(o => o.Clock = clock);
        var svc = await s.PostAsync(Services, Service("aged"));
        Assert.Equal("2030-01-02T03:04:05Z", svc.Str("metadata", "creationTimestamp"));
        clock.Now += TimeSpan.FromMinutes(185);
        var table = await s.GetAsync(Services + "/aged", "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal("3h5m", (string)table.Obj["rows"]![0]!["cells"]![5]!);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(125, "2m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 300, "3h5m")]
    [InlineData(10 * 3600, "10h")]
    [InlineData(50 * 3600, "2d2h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(3 * 365 * 86400 + 86400, "3y1d")]
    public void Ages_print_like_kubectl(int seconds, string expected)
    {
        Assert.Equal(expected, global::KubeApiServer.Tables.HumanDuration(TimeSpan.FromSeconds(seconds)));
    }
}
