/**
 * Alertmanager configuration for the rules of alert-rules.ts: one route that groups the alerts of one
 * node (and trench, where an alert names one) into one notification, and inhibit rules that keep only
 * the root cause of a fault in it. `npm run grafana:generate` writes it to
 * deploy/alertmanager/meridio-path-exporter.yml; the operator merges it into their configuration.
 *
 * A root cause must fire no later than its symptoms on a cluster, or its symptoms page first: every
 * source alert's `for:` is at most its targets' (test/unit/grafana/alertmanager.test.ts), with the
 * exceptions listed in FOR_EXCEPTIONS.
 */

export interface InhibitRule {
  /** Why this rule exists: the fault whose symptoms it silences. */
  why: string;
  /** Alert names whose firing silences the targets. */
  sources: string[];
  /** Label matchers of the source besides its name (e.g. `source="vpp"`). */
  sourceMatchers?: string[];
  targets: string[];
  /** Labels source and target must share. */
  equal: string[];
}

/** Alerts a fault names specifically; the link alert is their view on the path graph. */
const SPECIFIC = [
  'MeridioPathTapCarrierDown',
  'MeridioPathXconnectInterfaceDown',
  'MeridioPathXconnectPeerMissing',
  'MeridioPathVxlanTunnelGone',
  'MeridioProxyVipMissingNexthops',
  'MeridioProxyVipNoNexthop',
  'MeridioNexthopNeighbourFailed',
  'MeridioBridgeFdbMissingTarget',
  'MeridioPathExporterCannotRead',
];

/** Alerts derived from what the agent reads in a Meridio pod (they carry its namespace and pod). */
const FROM_POD = [
  'MeridioProxyVipMissingNexthops',
  'MeridioProxyVipNoNexthop',
  'MeridioNexthopNeighbourFailed',
  'MeridioBridgeFdbMissingTarget',
];

export const INHIBIT_RULES: InhibitRule[] = [
  {
    why: 'A link of the path graph is down because of a fault another alert of the same node names: that alert is the page (a cross-connect interface down, a tunnel gone, a nexthop or FDB entry missing, a neighbour failed, a read failing).',
    sources: SPECIFIC,
    targets: ['MeridioPathLinkDown'],
    equal: ['node'],
  },
  {
    why: 'Traffic into a cross-connect whose other side is down or gone is dropped where it enters: the drops are the symptom.',
    sources: [
      'MeridioPathXconnectInterfaceDown',
      'MeridioPathXconnectPeerMissing',
      'MeridioPathTapCarrierDown',
    ],
    targets: ['MeridioPathInterfaceDrops'],
    equal: ['node', 'forwarder'],
  },
  {
    why: 'VPP cannot be read (stopped, restarting, its socket gone): the proxies sending towards frontends behind it see their neighbours fail.',
    sources: ['MeridioPathExporterCannotRead'],
    sourceMatchers: ['source="vpp"'],
    targets: ['MeridioNexthopNeighbourFailed'],
    equal: ['node'],
  },
  {
    why: 'A pod that cannot be read has no data of its own to alert on; what is left of it is the read failure.',
    sources: ['MeridioPathExporterCannotRead'],
    sourceMatchers: ['source="pod"'],
    targets: FROM_POD,
    equal: ['node', 'namespace', 'pod'],
  },
];

/**
 * Source → target pairs whose source may fire after its target, and why that is still one page.
 */
export const FOR_EXCEPTIONS: Record<string, string> = {
  'MeridioBridgeFdbMissingTarget→MeridioPathLinkDown':
    'the FDB link turns red only after --path.fdb-missing-after (15 min), so its link alert fires after 20 min, later than the FDB alert',
};

/** How Alertmanager batches one node's alerts (what the route ships with). */
export const ROUTE_TIMING = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };

/** The route and inhibit rules, in Alertmanager's configuration shape. */
export function alertmanagerDocument(): { route: unknown; inhibit_rules: unknown[] } {
  return {
    route: {
      matchers: ['alertname=~"Meridio.+"'],
      group_by: ['node', 'trench'],
      ...ROUTE_TIMING,
    },
    inhibit_rules: INHIBIT_RULES.map((r) => ({
      source_matchers: [`alertname=~"${r.sources.join('|')}"`, ...(r.sourceMatchers ?? [])],
      target_matchers: [`alertname=~"${r.targets.join('|')}"`],
      equal: r.equal,
    })),
  };
}
