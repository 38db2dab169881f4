namespace Purelb.Ipam;

/// <summary>One validated range of a pool with its subnet and aggregation.</summary>
/// <param name="Range">The parsed range.</param>
/// <param name="Subnet">The parsed <c>subnet</c>; matched as a network against live node subnets for multiPool.</param>
/// <param name="AggregationPrefix">The <c>/N</c> of <c>aggregation</c>, or null for <c>default</c> (use the subnet's mask).</param>
/// <param name="Field">Where it was declared, e.g. <c>spec.local.v6pools[0]</c>.</param>
public sealed record PoolRange(IpRange Range, IpNetwork Subnet, int? AggregationPrefix, string Field)
{
    public IpFamily Family => Range.Family;

    /// <summary>The prefix length the agent uses on the dummy interface.</summary>
    public int EffectiveAggregation => AggregationPrefix ?? Subnet.PrefixLength;
}
