using Xunit;

namespace Purelb.Tests.Bgp;

/// <summary>One lab (router + 3 nodes) shared by the end-to-end tests of a class; built once, torn down after.</summary>
public sealed class BgpLabFixture : IAsyncLifetime
{
    private BgpLab? _lab;

    public BgpLab Lab => _lab ?? throw new InvalidOperationException("BGP lab unavailable: " + BgpLab.WhyUnavailable());

    public async Task InitializeAsync()
    {
        if (BgpLab.WhyUnavailable() is not null) return;
        _lab = await BgpLab.StartAsync(3);
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
    }
}
