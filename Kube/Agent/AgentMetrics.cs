using Purelb.Modes.Observability;

namespace Purelb.Kube.Agent;

/// <summary>The agent's metrics, with upstream's names (agent.md §6.4).</summary>
public sealed class AgentMetrics
{
    public AgentMetrics(MetricRegistry registry)
    {
        Announced = registry.Gauge("purelb_lbnodeagent_announced", "1 while this node holds the address.", "service", "node", "ip");
        SelectorState = registry.Gauge("purelb_lbnodeagent_selector_state", "Interface selector state.", "state");
        GarpSent = registry.Counter("purelb_lbnodeagent_garp_sent_total", "Gratuitous ARP sends.");
        GarpErrors = registry.Counter("purelb_lbnodeagent_garp_errors_total", "Failed gratuitous ARP sends.");
        NaSent = registry.Counter("purelb_lbnodeagent_na_sent_total", "Unsolicited neighbor advertisements sent.");
        NaErrors = registry.Counter("purelb_lbnodeagent_na_errors_total", "Failed unsolicited neighbor advertisements.");
        Renewals = registry.Counter("purelb_lbnodeagent_address_renewals_total", "Address lifetime renewals.");
        RenewalErrors = registry.Counter("purelb_lbnodeagent_address_renewal_errors_total", "Failed address lifetime renewals.");
        Additions = registry.Counter("purelb_lbnodeagent_address_additions_total", "Addresses added or replaced.");
        Withdrawals = registry.Counter("purelb_lbnodeagent_address_withdrawals_total", "Address withdrawals.");
        Wins = registry.Counter("purelb_lbnodeagent_election_wins_total", "Local decisions won.");
        Losses = registry.Counter("purelb_lbnodeagent_election_losses_total", "Local decisions lost.");
        SlotSteals = registry.Counter("purelb_lbnodeagent_announce_slot_steal_total", "Announcing annotation entries taken over from another node.", "from", "to");
        AffinityFallbacks = registry.Counter("purelb_election_affinity_fallback_total", "Affinity elections that fell back to all candidates (no preferred node could announce).", "service");
        WinnerChanges = registry.Counter("purelb_election_winner_changes_total", "Real changes of an address's winner.", "service");
        Updates = registry.Counter("purelb_k8s_client_updates_total", "Service queue items processed.");
        UpdateErrors = registry.Counter("purelb_k8s_client_update_errors_total", "Service queue items that failed.");
        ConfigLoaded = registry.Gauge("purelb_k8s_client_config_loaded_bool", "1 once a configuration was accepted.");
    }

    public ScalarMetric Announced { get; }
    public ScalarMetric SelectorState { get; }
    public ScalarMetric GarpSent { get; }
    public ScalarMetric GarpErrors { get; }
    public ScalarMetric NaSent { get; }
    public ScalarMetric NaErrors { get; }
    public ScalarMetric Renewals { get; }
    public ScalarMetric RenewalErrors { get; }
    public ScalarMetric Additions { get; }
    public ScalarMetric Withdrawals { get; }
    public ScalarMetric Wins { get; }
    public ScalarMetric Losses { get; }
    public ScalarMetric SlotSteals { get; }
    public ScalarMetric WinnerChanges { get; }
    public ScalarMetric AffinityFallbacks { get; }
    public ScalarMetric Updates { get; }
    public ScalarMetric UpdateErrors { get; }
    public ScalarMetric ConfigLoaded { get; }
}
