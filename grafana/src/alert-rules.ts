/**
 * The alert rules, as data: `npm run grafana:generate` writes them as a plain Prometheus rules file
 * (deploy/rules/meridio-path-exporter.rules.yml), as the PrometheusRule of deploy/components/prometheus-operator
 * and as the ConfigMap of deploy/components/plain-prometheus. Every rule
 * gates on the data it needs being read: a failed read drops series (it is never a zero), so a rule
 * that compares with absent data would fire on the exporter's failure instead of the path's; that
 * case is MeridioPathExporterCannotRead's.
 */

import { vipRules } from './vip-tables.ts';

const VIP_RULES = vipRules();

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  /** The README runbook section (its anchor). */
  runbook: string;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/**
 * Where the alerts' runbook links point: a copy of docs/runbook.md the operator's on-call can reach
 * (`--runbook-base-url` of the generator, or deploy/components/runbook-url at install). No default:
 * the rules link nowhere rather than to an address that may not exist for this install.
 */
export function runbookBase(override?: string): string | undefined {
  return override?.replace(/\/+$/, '');
}

/** Interfaces on the path: taps, tunnels and cross-connected interfaces. */
const PATH_INTERFACES = '(vpp_tap_info or vpp_vxlan_tunnel_info or vpp_l2_xconnect_info)';

export const RULE_GROUPS: RuleGroup[] = [
  {
    name: 'meridio-path.vpp',
    rules: [
      {
        alert: 'MeridioPathInterfaceDrops',
        // VPP counts what it cannot send to a down cross-connect peer as drops where it entered: that
        // is XconnectInterfaceDown's page, during the fault and while the drops stay in the window
        // after it (Alertmanager would otherwise page the drops once the peer's alert resolves).
        expr: [
          'sum by (node, forwarder, interface) (rate(vpp_interface_drops_total[5m])) > 0',
          `  and on (node, forwarder, interface) ${PATH_INTERFACES}`,
          '  unless on (node, forwarder, interface) (',
          '    vpp_l2_xconnect_info',
          '      and on (node, forwarder, peer)',
          '      label_replace(min_over_time(vpp_interface_admin_up[5m]) == 0, "peer", "$1", "interface", "(.+)")',
          '  )',
        ].join('\n'),
        for: '10m',
        severity: 'warning',
        summary:
          'VPP drops packets on {{ $labels.interface }} ({{ $labels.forwarder }}, node {{ $labels.node }})',
        description:
          'VPP interface {{ $labels.interface }} of forwarder {{ $labels.forwarder }} on node {{ $labels.node }} has dropped {{ $value | humanize }} packets/s for 10 minutes. Find the reason in `vppctl show errors` (vpp_errors_total) and trace the interface with pcap.',
        runbook: 'runbook-interface-drops',
      },
      {
        alert: 'MeridioPathTapCarrierDown',
        expr: 'vpp_tap_carrier_up == 0',
        for: '2m',
        severity: 'critical',
        summary: 'Tap {{ $labels.interface }} has no carrier (node {{ $labels.node }})',
        description:
          'VPP sees no carrier on the Linux side of tap {{ $labels.interface }} (forwarder {{ $labels.forwarder }}, node {{ $labels.node }}): the pod interface behind it is down or gone. Find the pod by the tap host-mac-addr and check its interface.',
        runbook: 'runbook-tap-carrier-down',
      },
      {
        alert: 'MeridioPathXconnectInterfaceDown',
        expr: 'vpp_interface_admin_up == 0\n  and on (node, forwarder, interface) vpp_l2_xconnect_info',
        for: '2m',
        severity: 'critical',
        summary:
          'Cross-connected VPP interface {{ $labels.interface }} is admin down (node {{ $labels.node }})',
        description:
          'Interface {{ $labels.interface }} of forwarder {{ $labels.forwarder }} on node {{ $labels.node }} is in an L2 cross-connect but admin down: no traffic passes the cross-connect. Check `vppctl show interface addr` and the forwarder logs.',
        runbook: 'runbook-xconnect',
      },
      {
        alert: 'MeridioPathXconnectPeerMissing',
        expr: 'vpp_l2_xconnect_info\n  unless on (node, forwarder, peer) label_replace(vpp_interface_info, "peer", "$1", "interface", "(.+)")\n  and on (node, forwarder) (count by (node, forwarder) (vpp_interface_info) > 0)',
        for: '2m',
        severity: 'critical',
        summary:
          'VPP interface {{ $labels.interface }} is cross-connected to {{ $labels.peer }}, which does not exist (node {{ $labels.node }})',
        description:
          'The L2 cross-connect of {{ $labels.interface }} on forwarder {{ $labels.forwarder }} (node {{ $labels.node }}) points to {{ $labels.peer }}, which `show interface` does not list. The connection is half torn down; check the NSM forwarder logs for the connection.',
        runbook: 'runbook-xconnect',
      },
      {
        alert: 'MeridioPathVxlanTunnelGone',
        expr: '(vpp_vxlan_tunnel_info offset 10m)\n  unless on (node, forwarder, interface, dst, vni) vpp_vxlan_tunnel_info\n  and on (node, forwarder) meridio_path_exporter_collect_success{source="vpp", command="show vxlan tunnel raw"} == 1',
        for: '0m',
        severity: 'warning',
        summary:
          'VxLAN tunnel {{ $labels.interface }} to {{ $labels.dst }} disappeared (node {{ $labels.node }})',
        description:
          'Forwarder {{ $labels.forwarder }} on node {{ $labels.node }} had VxLAN tunnel {{ $labels.interface }} (VNI {{ $labels.vni }}) to {{ $labels.dst }} ({{ $labels.remote_node }}) 10 minutes ago and has it no more: the frontend or proxy on the other node lost its path to this node, unless that pod was moved on purpose.',
        runbook: 'runbook-vxlan-tunnel-gone',
      },
    ],
  },
  {
    name: 'meridio-path.proxy',
    rules: [
      {
        alert: 'MeridioProxyVipMissingNexthops',
        expr: `(\n  meridio_proxy_route_nexthops{dst="default"}\n    and on (node, namespace, pod, family, table) ${VIP_RULES}\n)\n  < on (namespace, trench, conduit) group_left count by (namespace, trench, conduit) (meridio_pod_info{role="stateless-lb-frontend"})`,
        for: '5m',
        severity: 'warning',
        summary:
          'Proxy {{ $labels.pod }} has {{ $value }} nexthops in VIP table {{ $labels.table }}, fewer than its conduit has frontends',
        description:
          "Table {{ $labels.table }} ({{ $labels.family }}) of proxy {{ $labels.namespace }}/{{ $labels.pod }} on node {{ $labels.node }} has {{ $value }} nexthops while conduit {{ $labels.conduit }} of trench {{ $labels.trench }} has more stateless-lb-frontends (a proxy serves one conduit; the frontends of the attractors composed of it are its nexthops): traffic of that VIP is not spread over all of them. Compare `ip route show table {{ $labels.table }}` with the frontends' conduit addresses.",
        runbook: 'runbook-vip-nexthops',
      },
      {
        alert: 'MeridioProxyVipNoNexthop',
        // A conduit whose attractor has no frontend yet has nothing to route to: not a path fault (its
        // frontends' Deployment is kube-state-metrics' to watch).
        expr: `${VIP_RULES}\n  unless on (node, namespace, pod, family, table) (meridio_proxy_route_nexthops > 0)\n  and on (node, namespace, pod) (count by (node, namespace, pod) (meridio_proxy_route_nexthops) > 0)\n  and on (namespace, trench, conduit) (count by (namespace, trench, conduit) (meridio_pod_info{role="stateless-lb-frontend"}) > 0)`,
        for: '2m',
        severity: 'critical',
        summary:
          'VIP {{ $labels.from }} of proxy {{ $labels.pod }} has no nexthop (table {{ $labels.table }})',
        description:
          'Proxy {{ $labels.namespace }}/{{ $labels.pod }} on node {{ $labels.node }} looks up table {{ $labels.table }} for traffic from {{ $labels.from }}, and that table has no route with a nexthop: replies of that VIP from the targets behind this proxy cannot leave. Check the frontends of conduit {{ $labels.conduit }} and `ip route show table {{ $labels.table }}`.',
        runbook: 'runbook-vip-nexthops',
      },
      {
        alert: 'MeridioNexthopNeighbourFailed',
        // The state (FAILED, INCOMPLETE) changes while one fault lasts: it is not a label of the alert.
        expr: `meridio_proxy_route_nexthop_info\n  and on (node, namespace, pod, family, table) ${VIP_RULES}\n  and on (node, namespace, pod, via, dev)\n  label_replace(meridio_neighbor_state{state=~".*(FAILED|INCOMPLETE).*"}, "via", "$1", "ip", "(.*)")`,
        for: '2m',
        severity: 'critical',
        summary: 'Nexthop {{ $labels.via }} of proxy {{ $labels.pod }} does not answer',
        description:
          "The neighbour entry of nexthop {{ $labels.via }} (VIP table {{ $labels.table }}) in proxy {{ $labels.namespace }}/{{ $labels.pod }} on node {{ $labels.node }} is FAILED or INCOMPLETE: the frontend with that address does not answer ARP/NDP. Check that frontend's conduit interface, its tap and the cross-connect or tunnel to it.",
        runbook: 'runbook-nexthop-neighbour',
      },
      {
        alert: 'MeridioBridgeFdbMissingTarget',
        // A target is bridged by its own trench's proxies on its node: another trench's bridge that
        // learned the MAC does not carry its traffic.
        expr: 'meridio_pod_interface_info{interface!~"lo|eth0"}\n  * on (node, namespace, pod) group_left meridio_pod_info{role="target"}\n  unless on (node, namespace, trench, mac) meridio_bridge_fdb_entry_info\n  and on (node, namespace, trench) (count by (node, namespace, trench) (meridio_bridge_fdb_entry_info) > 0)',
        for: '15m',
        severity: 'warning',
        summary:
          "No bridge of trench {{ $labels.trench }} on node {{ $labels.node }} knows target {{ $labels.pod }}'s MAC {{ $labels.mac }}",
        description:
          "The FDB of the proxy bridges on node {{ $labels.node }} has had no entry for {{ $labels.mac }} ({{ $labels.namespace }}/{{ $labels.pod }} {{ $labels.interface }}) for 15 minutes: inbound traffic to that target is flooded or lost. A target silent for longer than the bridge ageing time (300 s) also loses its entry; check `bridge fdb` in the proxy and the target's tap.",
        runbook: 'runbook-fdb-target',
      },
    ],
  },
  {
    name: 'meridio-path.path',
    rules: [
      {
        alert: 'MeridioPathLinkDown',
        // One alert per broken end and link type: the far end's id, presence and the evidence change
        // while a fault lasts (a neighbour going FAILED, an address the kernel drops), so they are not labels.
        expr: 'max by (node, type, from, from_kind, from_namespace, from_pod, from_interface) (\n  meridio_path_link_info and on (node, type, from, to) (meridio_path_link_up == 0)\n)',
        for: '5m',
        severity: 'warning',
        summary: 'Path link {{ $labels.type }} from {{ $labels.from }} is down (node {{ $labels.node }})',
        description:
          'A {{ $labels.type }} link from {{ $labels.from }} on node {{ $labels.node }} has been down for 5 minutes. The page of the exporter on that node (/) shows the far end and the reason on the red link; `meridio-path-exporter path --url` prints the hops.',
        runbook: 'runbook-path-link-down',
      },
    ],
  },
  {
    name: 'meridio-path.agent',
    rules: [
      {
        alert: 'MeridioPathExporterDown',
        expr: 'up{job="meridio-path-exporter"} == 0',
        for: '5m',
        severity: 'warning',
        summary: 'meridio-path-exporter on {{ $labels.instance }} is down',
        description:
          "Prometheus cannot scrape the agent at {{ $labels.instance }} (pod {{ $labels.exporter_pod }}) for 5 minutes: the traffic path of that node is not observed. Check the pod's events and logs.",
        runbook: 'runbook-exporter-down',
      },
      {
        alert: 'MeridioPathExporterCannotRead',
        // Without its pod list the agent cannot find VPP or the pods: that is CannotDiscover's page.
        expr: [
          'min by (node, source, forwarder, namespace, pod) (meridio_path_exporter_collect_success) == 0',
          '  unless on (node) (min by (node) (meridio_path_exporter_discovery_synced) == 0)',
        ].join('\n'),
        for: '2m',
        severity: 'warning',
        summary:
          'meridio-path-exporter on {{ $labels.node }} cannot read {{ $labels.source }} {{ $labels.forwarder }}{{ $labels.namespace }}/{{ $labels.pod }}',
        description:
          'A command has failed for 2 minutes on node {{ $labels.node }}; its data is absent, and the alerts that need it stay silent. meridio_path_exporter_collect_failures_total gives the reason (forbidden: RBAC; connect: pod or VPP not found; unsupported: tool missing in the image).',
        runbook: 'runbook-exporter-cannot-read',
      },
      {
        alert: 'MeridioPathExporterCannotDiscover',
        // A persistent failure is retried at least every 30 s, so each 90 s window counts one (with
        // scrapes at most 30 s apart); a blip (an API server restart) leaves the window long before
        // `for:` ends, and the alert clears 90 s after a repair. Absent CRDs (not_found) are a supported
        // cluster. A pod list never had counts as failing pods: one alert, not two.
        expr: [
          'label_replace(min by (node) (meridio_path_exporter_discovery_synced) == 0, "resource", "pods", "", "")',
          '  or',
          'sum by (node, resource) (increase(meridio_path_exporter_discovery_failures_total{reason!="not_found"}[90s])) > 0',
        ].join('\n'),
        for: '10m',
        severity: 'warning',
        summary: 'meridio-path-exporter on {{ $labels.node }} cannot list or watch {{ $labels.resource }}',
        description:
          'For 10 minutes the agent on node {{ $labels.node }} has failed to list or watch {{ $labels.resource }} in the Kubernetes API, or has not had its pod list: pods it does not know are not read, and VIPs it cannot see are not expected. meridio_path_exporter_discovery_failures_total gives the reason (forbidden: the ClusterRole or its binding).',
        runbook: 'runbook-exporter-cannot-discover',
      },
    ],
  },
];

/** The groups in Prometheus' rules-file shape. */
export function rulesDocument(base?: string): { groups: unknown[] } {
  return {
    groups: RULE_GROUPS.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: r.for,
        labels: { severity: r.severity },
        annotations: {
          summary: r.summary,
          description: r.description,
          ...(base !== undefined && { runbook_url: `${base}#${r.runbook}` }),
        },
      })),
    })),
  };
}
