import { meridioDashboard, NODE, POD, pathNodeGraph, row, table, timeseries, VPP } from './panels.ts';
import { vipRules } from './vip-tables.ts';

/** Interfaces on the traffic path: taps, VxLAN tunnels and cross-connected interfaces. */
const ON_PATH = `on (node, forwarder, interface) group_left (host_if_name) (vpp_tap_info{${VPP}} or label_replace(vpp_vxlan_tunnel_info{${VPP}}, "host_if_name", "", "", ""))`;
const rate = (metric: string, matchers: string) => `rate(${metric}{${matchers}}[$__rate_interval])`;

function trafficPath(): unknown {
  return meridioDashboard(
    'Meridio traffic path',
    'meridio-path-overview',
    "Per node: the path from the frontends through VPP (cross-connects, VxLAN) to the proxy bridge and the targets, with rates, drops, carrier, VIP nexthops, neighbours, FDB and the exporter's health.",
  )
    .withRow(row('Path'))
    .withPanel(pathNodeGraph('Path graph'))
    .withPanel(
      table(
        'Path links',
        'bool_on_off',
        [[`meridio_path_link_info{${NODE}} * on (node, type, from, to) group_left meridio_path_link_up`, '']],
        {
          w: 24,
          description:
            'Every link of the path with what matched its ends; value 0 is a link down, to_presence=missing a far end that should exist.',
        },
      ),
    )
    .withRow(row('VPP interfaces on the path'))
    .withPanel(
      timeseries('Packet rates of path interfaces', 'pps', [
        [
          `${rate('vpp_interface_rx_packets_total', VPP)} * ${ON_PATH}`,
          '{{node}} {{interface}} ({{host_if_name}}) rx',
        ],
        [
          `${rate('vpp_interface_tx_packets_total', VPP)} * ${ON_PATH}`,
          '{{node}} {{interface}} ({{host_if_name}}) tx',
        ],
      ]),
    )
    .withPanel(
      timeseries('Byte rates of path interfaces', 'Bps', [
        [`${rate('vpp_interface_rx_bytes_total', VPP)} * ${ON_PATH}`, '{{node}} {{interface}} rx'],
        [`${rate('vpp_interface_tx_bytes_total', VPP)} * ${ON_PATH}`, '{{node}} {{interface}} tx'],
      ]),
    )
    .withPanel(
      timeseries('Drops and errors of path interfaces', 'pps', [
        [`${rate('vpp_interface_drops_total', VPP)} * ${ON_PATH}`, '{{node}} {{interface}} drops'],
        [
          `(${rate('vpp_interface_rx_error_total', VPP)} or ${rate('vpp_interface_tx_error_total', VPP)} or ${rate('vpp_interface_drops_total', VPP)} * 0) * ${ON_PATH}`,
          '{{node}} {{interface}} errors',
        ],
      ]),
    )
    .withPanel(
      table(
        'Taps: carrier and peer',
        'bool_on_off',
        [
          [
            `vpp_tap_carrier_up{${VPP}} * on (node, forwarder, interface) group_left (host_if_name, host_mac, host_ns) vpp_tap_info{${VPP}}`,
            '',
          ],
        ],
        {
          description:
            'Value: carrier of the Linux side as VPP sees it. host_mac is the MAC of the pod interface behind the tap.',
        },
      ),
    )
    .withPanel(
      table(
        'L2 cross-connects',
        'bool_on_off',
        [
          [
            `vpp_interface_admin_up{${VPP}} * on (node, forwarder, interface) group_left (peer) vpp_l2_xconnect_info{${VPP}}`,
            '',
          ],
        ],
        { description: 'Each cross-connected interface and its peer; value: admin state.' },
      ),
    )
    .withPanel(
      table('VxLAN tunnels', 'none', [[`vpp_vxlan_tunnel_info{${VPP}}`, '']], {
        description: 'src → dst (remote_node), VNI and ports of each tunnel.',
      }),
    )
    .withRow(row('Proxies and VIPs'))
    .withPanel(
      table(
        'VIP tables: nexthops now vs frontends of the conduit',
        'none',
        [
          [
            // A VIP table without a default route at all shows 0, not nothing.
            `(meridio_proxy_route_nexthops{${POD}, dst="default"} and on (node, namespace, pod, family, table) ${vipRules(POD)})\n  or on (node, namespace, pod, family, table) (max by (node, namespace, pod, family, table) (${vipRules(POD)}) * 0)`,
            'nexthops',
          ],
          [
            `count by (namespace, trench, conduit) (meridio_pod_info{role="stateless-lb-frontend", namespace=~"$namespace"})`,
            'frontends',
          ],
        ],
        {
          description:
            'First rows: nexthops of each VIP table (default route) per proxy, 0 when the table has no default route; last rows: how many stateless-lb-frontends each conduit has in the cluster (a proxy serves one conduit: its tables should have that many nexthops, as MeridioProxyVipMissingNexthops compares).',
        },
      ),
    )
    .withPanel(
      table(
        'Neighbour state of the nexthops',
        'none',
        [
          [
            `(meridio_proxy_route_nexthop_info{${POD}} and on (node, namespace, pod, family, table) ${vipRules(POD)}) * on (node, namespace, pod, via, dev) group_left (state, lladdr) label_replace(meridio_neighbor_state{${POD}}, "via", "$1", "ip", "(.*)")`,
            '',
          ],
        ],
        { description: 'FAILED or INCOMPLETE: the frontend with that address does not answer.' },
      ),
    )
    .withPanel(
      table(
        'FDB entries towards targets',
        'none',
        [
          [
            `meridio_bridge_fdb_entry_info{${POD}} * on (node, mac) group_left (target_pod) label_replace(meridio_pod_interface_info{interface!="lo"} * on (node, namespace, pod) group_left meridio_pod_info{role="target"}, "target_pod", "$1", "pod", "(.*)")`,
            '',
          ],
        ],
        { description: 'MACs the proxy bridge knows on each port that belong to a target pod on the node.' },
      ),
    )
    .withRow(row('Exporter'))
    .withPanel(
      table('Collection health', 'bool_yes_no', [[`meridio_path_exporter_collect_success{${NODE}}`, '']], {
        description: '1: the last read of that command succeeded. 0: its data is absent from the metrics.',
      }),
    )
    .withPanel(
      timeseries('Cycle duration', 's', [
        [`meridio_path_exporter_cycle_duration_seconds{${NODE}}`, '{{node}}'],
      ]),
    )
    .build();
}

function vppForwarder(): unknown {
  const perInterface = (metric: string, legend: string): [string, string] => [
    `sum by (node, forwarder, interface) (${rate(metric, VPP)})`,
    `{{node}} {{interface}} ${legend}`,
  ];
  return meridioDashboard(
    'Meridio VPP forwarder',
    'meridio-path-vpp',
    'Every VPP interface counter of the NSM forwarders as rates, drops by interface and by error reason, interface state and MTU, tap virtqueues.',
  )
    .withRow(row('Interface counters'))
    .withPanel(
      timeseries('Packets', 'pps', [
        perInterface('vpp_interface_rx_packets_total', 'rx'),
        perInterface('vpp_interface_tx_packets_total', 'tx'),
      ]),
    )
    .withPanel(
      timeseries('Bytes', 'Bps', [
        perInterface('vpp_interface_rx_bytes_total', 'rx'),
        perInterface('vpp_interface_tx_bytes_total', 'tx'),
      ]),
    )
    .withPanel(timeseries('Drops by interface', 'pps', [perInterface('vpp_interface_drops_total', 'drops')]))
    .withPanel(
      timeseries('IP4 / IP6 packets', 'pps', [
        perInterface('vpp_interface_ip4_packets_total', 'ip4'),
        perInterface('vpp_interface_ip6_packets_total', 'ip6'),
      ]),
    )
    .withPanel(
      timeseries(
        'Errors, misses, punts and other packet counters',
        'pps',
        [
          [
            [
              ...(
                [
                  ['vpp_interface_rx_error_total', 'rx-error'],
                  ['vpp_interface_tx_error_total', 'tx-error'],
                  ['vpp_interface_rx_no_buf_total', 'rx-no-buf'],
                  ['vpp_interface_rx_miss_total', 'rx-miss'],
                  ['vpp_interface_punt_total', 'punt'],
                ] as const
              ).map(
                ([metric, name]) =>
                  `label_replace(sum by (node, forwarder, interface) (${rate(metric, VPP)}), "counter", "${name}", "", "")`,
              ),
              `sum by (node, forwarder, interface, counter) (${rate('vpp_interface_counter_packets_total', VPP)})`,
              `sum by (node, forwarder, interface, counter) (${rate('vpp_interface_counter_total', VPP)})`,
              // VPP prints only counters that are not zero: when none of these exists, one zero line per
              // interface says so instead of an empty panel.
              `label_replace(sum by (node, forwarder, interface) (${rate('vpp_interface_rx_packets_total', VPP)}) * 0, "counter", "none printed", "", "")`,
            ].join('\n  or '),
            '{{node}} {{interface}} {{counter}}',
          ],
        ],
        {
          description:
            'Every other per-interface counter VPP prints (rx-error, tx-error, rx-no-buf, rx-miss, punt, detailed-stats packet counters), as rates.',
        },
      ),
    )
    .withPanel(
      timeseries(
        'Other byte counters',
        'Bps',
        [
          [
            `sum by (node, forwarder, interface, counter) (${rate('vpp_interface_counter_bytes_total', VPP)})\n  or label_replace(sum by (node, forwarder, interface) (${rate('vpp_interface_rx_bytes_total', VPP)}) * 0, "counter", "none printed", "", "")`,
            '{{node}} {{interface}} {{counter}}',
          ],
        ],
        {
          description:
            'Detailed-stats byte counters (rx-unicast, tx-multicast, …) as rates, when VPP collects them.',
        },
      ),
    )
    .withPanel(
      timeseries('Errors by reason (show errors)', 'pps', [
        [
          `topk(20, sum by (node, forwarder, vpp_node, reason, severity) (${rate('vpp_errors_total', VPP)}))`,
          '{{node}} {{vpp_node}}: {{reason}}',
        ],
      ]),
    )
    .withRow(row('State'))
    .withPanel(
      table(
        'Interfaces: state and MTU',
        'bool_on_off',
        [
          [
            `vpp_interface_admin_up{${VPP}} * on (node, forwarder, interface) group_left (sw_if_index, state, mtu_l3, mtu_ip4, mtu_ip6) vpp_interface_info{${VPP}}`,
            '',
          ],
        ],
        { w: 24 },
      ),
    )
    .withPanel(
      timeseries(
        'Tap virtqueue use',
        'percentunit',
        [
          [
            `vpp_tap_virtqueue_descriptors_in_use{${VPP}} / on (node, forwarder, interface, queue, direction) vpp_tap_virtqueue_size{${VPP}}`,
            '{{node}} {{interface}} {{direction}} {{queue}}',
          ],
        ],
        {
          description:
            'Descriptors in use over ring size: a ring that stays full means the other side does not keep up.',
        },
      ),
    )
    .withPanel(table('VPP version', 'none', [[`vpp_version_info{${VPP}}`, '']]))
    .build();
}

function meridioPods(): unknown {
  const perInterface = (metric: string, legend: string): [string, string] => [
    `sum by (node, namespace, trench, conduit, pod, interface) (${rate(metric, POD)})`,
    `{{pod}} {{interface}} ${legend}`,
  ];
  return meridioDashboard(
    'Meridio pods',
    'meridio-path-pods',
    'The Linux side of the Meridio pods (proxy, stateless-lb-frontend, target) per trench, conduit and pod: interface rates and errors, rules, routing tables, neighbours, FDB.',
  )
    .withRow(row('Interfaces'))
    .withPanel(
      timeseries('Packets', 'pps', [
        perInterface('meridio_pod_interface_rx_packets_total', 'rx'),
        perInterface('meridio_pod_interface_tx_packets_total', 'tx'),
      ]),
    )
    .withPanel(
      timeseries('Bytes', 'Bps', [
        perInterface('meridio_pod_interface_rx_bytes_total', 'rx'),
        perInterface('meridio_pod_interface_tx_bytes_total', 'tx'),
      ]),
    )
    .withPanel(
      timeseries('Errors and drops', 'pps', [
        perInterface('meridio_pod_interface_rx_errors_total', 'rx errors'),
        perInterface('meridio_pod_interface_tx_errors_total', 'tx errors'),
        perInterface('meridio_pod_interface_rx_dropped_total', 'rx dropped'),
        perInterface('meridio_pod_interface_tx_dropped_total', 'tx dropped'),
      ]),
    )
    .withPanel(
      table('Pods and interfaces', 'none', [
        [
          `meridio_pod_interface_info{${POD}, interface!="lo"} * on (node, namespace, pod) group_left (role) meridio_pod_info{${POD}}`,
          '',
        ],
      ]),
    )
    .withRow(row('Routing'))
    .withPanel(table('Rules', 'none', [[`meridio_proxy_rule_info{${POD}}`, '']]))
    .withPanel(
      table('VIP tables and nexthops', 'none', [
        [`meridio_proxy_route_nexthop_info{${POD}, table!~"main|local"}`, ''],
      ]),
    )
    .withPanel(table('Neighbours', 'none', [[`meridio_neighbor_state{${POD}}`, '']]))
    .withPanel(table('Bridge FDB', 'none', [[`meridio_bridge_fdb_entry_info{${POD}}`, '']]))
    .withPanel(
      timeseries('FDB entries per port', 'short', [
        [`meridio_bridge_fdb_entries{${POD}}`, '{{pod}} {{bridge}} {{port}}'],
      ]),
    )
    .build();
}

export interface GeneratedDashboard {
  file: string;
  build(): unknown;
}

export const DASHBOARDS: GeneratedDashboard[] = [
  { file: 'meridio-traffic-path.json', build: trafficPath },
  { file: 'meridio-vpp-forwarder.json', build: vppForwarder },
  { file: 'meridio-pods.json', build: meridioPods },
];
