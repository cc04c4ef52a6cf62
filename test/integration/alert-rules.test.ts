import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { RULE_GROUPS } from '../../grafana/src/alert-rules.ts';
import { PROMETHEUS_VERSIONS } from '../support/prometheus.ts';
import { expectedAlert } from '../support/promtool-cases.ts';

const RULES = new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url).pathname;

type Labels = Record<string, string>;
interface Case {
  series: [string, string][];
  evalTime: string;
  /** Label sets of the alerts expected to fire (without severity); empty for the healthy case. */
  fire: Labels[];
  value?: string;
}

const V = 'node="worker-a",forwarder="forwarder-vpp-worker-a"';
const VL = { node: 'worker-a', forwarder: 'forwarder-vpp-worker-a' };
const P = 'node="worker-a",namespace="red",pod="proxy-conduit-a-1-abc"';
const PL = { node: 'worker-a', namespace: 'red', pod: 'proxy-conduit-a-1-abc' };
const RULE = `meridio_proxy_rule_info{${P},family="ipv4",priority="32765",from="20.0.0.1",action="lookup",table="1"}`;
const RULE_L = { ...PL, family: 'ipv4', priority: '32765', from: '20.0.0.1', action: 'lookup', table: '1' };
const NEXTHOPS = (table: string) =>
  `meridio_proxy_route_nexthops{${P},family="ipv4",table="${table}",dst="default",type="unicast"}`;
const NH_L = { ...PL, family: 'ipv4', table: '1', dst: 'default', type: 'unicast' };
const NH_INFO = `meridio_proxy_route_nexthop_info{${P},family="ipv4",table="1",dst="default",via="172.16.1.2",dev="bridge0",weight="1"}`;
const NH_INFO_L = {
  ...PL,
  family: 'ipv4',
  table: '1',
  dst: 'default',
  via: '172.16.1.2',
  dev: 'bridge0',
  weight: '1',
};
const NEIGH = (state: string) =>
  `meridio_neighbor_state{${P},family="ipv4",ip="172.16.1.2",dev="bridge0",lladdr="02:fe:66:8b:f7:da",state="${state}"}`;
const TARGET_IF =
  'meridio_pod_interface_info{node="worker-a",namespace="red",pod="target-a-1",interface="nsm-0",mac="02:fe:c2:14:ec:dd"}';
const TARGET_IF_L = {
  node: 'worker-a',
  namespace: 'red',
  pod: 'target-a-1',
  interface: 'nsm-0',
  mac: '02:fe:c2:14:ec:dd',
};
const TARGET_POD = 'meridio_pod_info{node="worker-a",namespace="red",pod="target-a-1",role="target"}';
const FDB = (mac: string) =>
  `meridio_bridge_fdb_entry_info{${P},bridge="bridge0",port="proxy.cond-97e3",mac="${mac}"}`;
const TUNNEL = `vpp_vxlan_tunnel_info{${V},interface="vxlan_tunnel0",instance="0",src="172.18.0.2",dst="172.18.0.4",src_port="4789",dst_port="4789",vni="9832580",remote_node="worker-b"}`;
const TUNNEL_L = {
  ...VL,
  interface: 'vxlan_tunnel0',
  instance: '0',
  src: '172.18.0.2',
  dst: '172.18.0.4',
  src_port: '4789',
  dst_port: '4789',
  vni: '9832580',
  remote_node: 'worker-b',
};
const LINK_INFO = `meridio_path_link_info{node="worker-a",type="tap-peer",from="vpp:tap4",to="missing:tap-peer:tap4",to_presence="missing"}`;
const LINK_L = { node: 'worker-a', type: 'tap-peer', from: 'vpp:tap4' };
/** The same link before its far end went missing: another `to`, another presence. */
const LINK_INFO_BEFORE = `meridio_path_link_info{node="worker-a",type="tap-peer",from="vpp:tap4",to="pod:red/proxy-conduit-a-1-abc/conduit-a--1b2a",to_presence="present"}`;
const LINK_UP_BEFORE =
  'meridio_path_link_up{node="worker-a",type="tap-peer",from="vpp:tap4",to="pod:red/proxy-conduit-a-1-abc/conduit-a--1b2a"}';
const LINK_UP =
  'meridio_path_link_up{node="worker-a",type="tap-peer",from="vpp:tap4",to="missing:tap-peer:tap4"}';
const VXLAN_READ = `meridio_path_exporter_collect_success{${V},source="vpp",command="show vxlan tunnel raw"}`;

const SYNCED = 'meridio_path_exporter_discovery_synced{node="worker-a"}';
const DISCOVERY_FAILURES = (resource: string, reason: string) =>
  `meridio_path_exporter_discovery_failures_total{node="worker-a",resource="${resource}",reason="${reason}"}`;

const PROXY_POD =
  'meridio_pod_info{node="worker-a",namespace="red",pod="proxy-conduit-a-1-abc",role="proxy"}';
const FRONTENDS: [string, string][] = [
  ['meridio_pod_info{node="worker-a",namespace="red",pod="fe-ghi",role="stateless-lb-frontend"}', '1x10'],
  ['meridio_pod_info{node="worker-b",namespace="red",pod="fe-jkl",role="stateless-lb-frontend"}', '1x10'],
];
/**
 * What every pod of a real cluster also has: `from all lookup main` and a main-table default route with
 * one nexthop (its gateway), here for the target and a frontend next to a healthy proxy; the target's
 * gateway neighbour may even be FAILED without the VIP path being concerned.
 */
const CLUSTER_PODS = (pod: string, role: string, gatewayState = 'REACHABLE'): [string, string][] => {
  const at = `node="worker-a",namespace="red",pod="${pod}"`;
  return [
    [`meridio_pod_info{${at},role="${role}"}`, '1x10'],
    [
      `meridio_proxy_rule_info{${at},family="ipv4",priority="32766",from="all",action="lookup",table="main"}`,
      '1x10',
    ],
    [`meridio_proxy_route_nexthops{${at},family="ipv4",table="main",dst="default",type="unicast"}`, '1x10'],
    [
      `meridio_proxy_route_nexthop_info{${at},family="ipv4",table="main",dst="default",via="10.244.0.1",dev="eth0",weight="1"}`,
      '1x10',
    ],
    [
      `meridio_neighbor_state{${at},family="ipv4",ip="10.244.0.1",dev="eth0",lladdr="02:42:ac:11:00:01",state="${gatewayState}"}`,
      '1x10',
    ],
  ];
};
const HEALTHY_CLUSTER: [string, string][] = [
  ...CLUSTER_PODS('target-a-1', 'target', 'FAILED'),
  ...CLUSTER_PODS('fe-ghi', 'stateless-lb-frontend'),
  FRONTENDS[1] as [string, string],
  [PROXY_POD, '1x10'],
  [RULE, '1x10'],
  [NEXTHOPS('1'), '2x10'],
  [NH_INFO, '1x10'],
  [NEIGH('REACHABLE'), '1x10'],
];

/**
 * For every alert: a case where it fires after its `for:`, the healthy path, where it stays silent, and
 * faults whose details change while they last, where the one alert must keep firing.
 */
const CASES: Record<string, { fires: Case; silent: Case[]; keepsFiring?: Case[] }> = {
  MeridioPathInterfaceDrops: {
    fires: {
      series: [
        [`vpp_interface_drops_total{${V},interface="tap3"}`, '0+60x30'],
        [`vpp_tap_info{${V},interface="tap3",host_if_name="conduit-a--f75b"}`, '1x30'],
      ],
      evalTime: '20m',
      fire: [{ ...VL, interface: 'tap3' }],
      value: '1',
    },
    silent: [
      {
        series: [
          [`vpp_interface_drops_total{${V},interface="tap3"}`, '2x30'],
          [`vpp_tap_info{${V},interface="tap3",host_if_name="conduit-a--f75b"}`, '1x30'],
        ],
        evalTime: '20m',
        fire: [],
      },
      // Drops into a cross-connect whose peer is admin down: XconnectInterfaceDown's, and still for the
      // 5 minutes the drops stay in the window after the peer came back (at 12m here).
      {
        series: [
          [`vpp_interface_drops_total{${V},interface="tap3"}`, '0+60x12 720x18'],
          [`vpp_l2_xconnect_info{${V},interface="tap3",peer="tap4"}`, '1x30'],
          [`vpp_l2_xconnect_info{${V},interface="tap4",peer="tap3"}`, '1x30'],
          [`vpp_interface_admin_up{${V},interface="tap3"}`, '1x30'],
          [`vpp_interface_admin_up{${V},interface="tap4"}`, '0x12 1x18'],
        ],
        evalTime: '15m',
        fire: [],
      },
    ],
    keepsFiring: [
      // The same drops with the peer up all along: they are the drops alert's.
      {
        series: [
          [`vpp_interface_drops_total{${V},interface="tap3"}`, '0+60x30'],
          [`vpp_l2_xconnect_info{${V},interface="tap3",peer="tap4"}`, '1x30'],
          [`vpp_interface_admin_up{${V},interface="tap4"}`, '1x30'],
        ],
        evalTime: '20m',
        fire: [{ ...VL, interface: 'tap3' }],
        value: '1',
      },
    ],
  },
  MeridioPathTapCarrierDown: {
    fires: {
      series: [[`vpp_tap_carrier_up{${V},interface="tap3"}`, '0x10']],
      evalTime: '5m',
      fire: [{ ...VL, interface: 'tap3' }],
    },
    silent: [{ series: [[`vpp_tap_carrier_up{${V},interface="tap3"}`, '1x10']], evalTime: '5m', fire: [] }],
  },
  MeridioPathXconnectInterfaceDown: {
    fires: {
      series: [
        [`vpp_interface_admin_up{${V},interface="tap4"}`, '0x10'],
        [`vpp_l2_xconnect_info{${V},interface="tap4",peer="tap3"}`, '1x10'],
      ],
      evalTime: '5m',
      fire: [{ ...VL, interface: 'tap4' }],
    },
    silent: [
      {
        series: [
          [`vpp_interface_admin_up{${V},interface="tap4"}`, '1x10'],
          [`vpp_l2_xconnect_info{${V},interface="tap4",peer="tap3"}`, '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
    ],
  },
  MeridioPathXconnectPeerMissing: {
    fires: {
      series: [
        [`vpp_l2_xconnect_info{${V},interface="tap3",peer="tap9"}`, '1x10'],
        [`vpp_interface_info{${V},interface="tap3",sw_if_index="8",state="up"}`, '1x10'],
      ],
      evalTime: '5m',
      fire: [{ ...VL, interface: 'tap3', peer: 'tap9' }],
    },
    silent: [
      {
        series: [
          [`vpp_l2_xconnect_info{${V},interface="tap3",peer="tap4"}`, '1x10'],
          [`vpp_interface_info{${V},interface="tap3",sw_if_index="8",state="up"}`, '1x10'],
          [`vpp_interface_info{${V},interface="tap4",sw_if_index="9",state="up"}`, '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
      // `show interface` could not be read: no interface is listed, which is not a missing peer.
      {
        series: [[`vpp_l2_xconnect_info{${V},interface="tap3",peer="tap4"}`, '1x10']],
        evalTime: '5m',
        fire: [],
      },
    ],
  },
  MeridioPathVxlanTunnelGone: {
    fires: {
      series: [
        [TUNNEL, '1x10 stale'],
        [VXLAN_READ, '1x30'],
      ],
      evalTime: '15m',
      fire: [TUNNEL_L],
    },
    silent: [
      {
        series: [
          [TUNNEL, '1x30'],
          [VXLAN_READ, '1x30'],
        ],
        evalTime: '15m',
        fire: [],
      },
      // The read failed (its series gone, success 0): the exporter's own alert says so, not this one.
      {
        series: [
          [TUNNEL, '1x10 stale'],
          [VXLAN_READ, '1x10 0x20'],
        ],
        evalTime: '15m',
        fire: [],
      },
    ],
  },
  MeridioProxyVipMissingNexthops: {
    fires: {
      series: [[NEXTHOPS('1'), '1x10'], [RULE, '1x10'], [PROXY_POD, '1x10'], ...FRONTENDS],
      evalTime: '10m',
      fire: [NH_L],
      value: '1',
    },
    silent: [
      {
        series: [[NEXTHOPS('1'), '2x10'], [RULE, '1x10'], [PROXY_POD, '1x10'], ...FRONTENDS],
        evalTime: '10m',
        fire: [],
      },
      // Every pod's main table has one default route: not a VIP table, whatever the frontend count.
      { series: HEALTHY_CLUSTER, evalTime: '10m', fire: [] },
      // A trench with two conduits, each with its attractor's frontend: a proxy's VIP table spreads over
      // its own conduit's frontends only, not over the trench's.
      {
        series: [
          [
            `meridio_proxy_route_nexthops{${P},trench="trench-a",conduit="conduit-a-1",family="ipv4",table="1",dst="default",type="unicast"}`,
            '1x10',
          ],
          [RULE, '1x10'],
          [`meridio_pod_info{${P},trench="trench-a",conduit="conduit-a-1",role="proxy"}`, '1x10'],
          [
            `meridio_pod_info{node="worker-a",namespace="red",pod="fe-a-1",trench="trench-a",conduit="conduit-a-1",attractor="attractor-a-1",role="stateless-lb-frontend"}`,
            '1x10',
          ],
          [
            `meridio_pod_info{node="worker-a",namespace="red",pod="fe-a-2",trench="trench-a",conduit="conduit-a-2",attractor="attractor-a-2",role="stateless-lb-frontend"}`,
            '1x10',
          ],
        ],
        evalTime: '10m',
        fire: [],
      },
    ],
  },
  MeridioProxyVipNoNexthop: {
    fires: {
      series: [
        [RULE, '1x10'],
        [PROXY_POD, '1x10'],
        [NEXTHOPS('1'), '0x10'],
        [NEXTHOPS('main'), '1x10'],
        ...FRONTENDS,
      ],
      evalTime: '5m',
      fire: [RULE_L],
    },
    silent: [
      // The conduit's attractor has no frontend yet: nothing to route to, not a path fault.
      {
        series: [
          [RULE, '1x10'],
          [PROXY_POD, '1x10'],
          [NEXTHOPS('1'), '0x10'],
          [NEXTHOPS('main'), '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
      {
        series: [
          [RULE, '1x10'],
          [PROXY_POD, '1x10'],
          [NEXTHOPS('1'), '2x10'],
          [NEXTHOPS('main'), '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
      // The routes could not be read at all: silent here, MeridioPathExporterCannotRead fires.
      {
        series: [
          [RULE, '1x10'],
          [PROXY_POD, '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
      { series: HEALTHY_CLUSTER, evalTime: '5m', fire: [] },
    ],
  },
  MeridioNexthopNeighbourFailed: {
    fires: {
      series: [
        [NH_INFO, '1x10'],
        [RULE, '1x10'],
        [PROXY_POD, '1x10'],
        [NEIGH('FAILED'), '1x10'],
      ],
      evalTime: '5m',
      fire: [NH_INFO_L],
    },
    silent: [
      {
        series: [
          [NH_INFO, '1x10'],
          [RULE, '1x10'],
          [PROXY_POD, '1x10'],
          [NEIGH('REACHABLE'), '1x10'],
        ],
        evalTime: '5m',
        fire: [],
      },
      // The target's own gateway does not answer: not a nexthop of a VIP table.
      { series: HEALTHY_CLUSTER, evalTime: '5m', fire: [] },
    ],
    keepsFiring: [
      // The kernel moves the entry from FAILED to INCOMPLETE as it probes again: still one fault.
      {
        series: [
          [NH_INFO, '1x10'],
          [RULE, '1x10'],
          [PROXY_POD, '1x10'],
          [NEIGH('FAILED'), '1 1 1 1 stale'],
          [NEIGH('INCOMPLETE'), '_ _ _ _ 1 1 1 1 1 1'],
        ],
        evalTime: '5m',
        fire: [NH_INFO_L],
      },
    ],
  },
  MeridioBridgeFdbMissingTarget: {
    fires: {
      series: [
        [TARGET_IF, '1x30'],
        [TARGET_POD, '1x30'],
        [FDB('02:fe:18:32:8d:87'), '1x30'],
      ],
      evalTime: '20m',
      fire: [TARGET_IF_L],
    },
    silent: [
      {
        series: [
          [TARGET_IF, '1x30'],
          [TARGET_POD, '1x30'],
          [FDB('02:fe:c2:14:ec:dd'), '1x30'],
        ],
        evalTime: '20m',
        fire: [],
      },
    ],
  },
  MeridioPathLinkDown: {
    fires: {
      series: [
        [LINK_INFO, '1x10'],
        [LINK_UP, '0x10'],
      ],
      evalTime: '8m',
      fire: [LINK_L],
    },
    silent: [
      {
        series: [
          [LINK_INFO, '1x10'],
          [LINK_UP, '1x10'],
        ],
        evalTime: '8m',
        fire: [],
      },
    ],
    keepsFiring: [
      // Down with its far end present (carrier lost), then the end disappears: one fault, one alert.
      {
        series: [
          [LINK_INFO_BEFORE, '1 1 1 1 1 1 stale'],
          [LINK_UP_BEFORE, '0 0 0 0 0 0 stale'],
          [LINK_INFO, '_ _ _ _ _ _ 1 1 1 1'],
          [LINK_UP, '_ _ _ _ _ _ 0 0 0 0'],
        ],
        evalTime: '7m',
        fire: [LINK_L],
      },
    ],
  },
  MeridioPathExporterDown: {
    fires: {
      series: [['up{job="meridio-path-exporter",instance="10.0.0.1:9847",exporter_pod="mpe-abc"}', '0x10']],
      evalTime: '8m',
      fire: [{ job: 'meridio-path-exporter', instance: '10.0.0.1:9847', exporter_pod: 'mpe-abc' }],
    },
    silent: [
      {
        series: [['up{job="meridio-path-exporter",instance="10.0.0.1:9847",exporter_pod="mpe-abc"}', '1x10']],
        evalTime: '8m',
        fire: [],
      },
    ],
  },
  MeridioPathExporterCannotRead: {
    fires: {
      series: [[`meridio_path_exporter_collect_success{${V},source="vpp",command="show tap"}`, '0x20']],
      evalTime: '15m',
      fire: [{ ...VL, source: 'vpp' }],
    },
    silent: [
      {
        series: [[`meridio_path_exporter_collect_success{${V},source="vpp",command="show tap"}`, '1x20']],
        evalTime: '15m',
        fire: [],
      },
      // Node-local mode without its pod list cannot find VPP: MeridioPathExporterCannotDiscover's page.
      {
        series: [
          [`meridio_path_exporter_collect_success{${V},source="vpp",command="show tap"}`, '0x20'],
          [SYNCED, '0x20'],
        ],
        evalTime: '15m',
        fire: [],
      },
    ],
  },
  MeridioPathExporterCannotDiscover: {
    // The ClusterRoleBinding deleted: the pod list never arrives and every retry is forbidden.
    fires: {
      series: [
        [SYNCED, '0x20'],
        [DISCOVERY_FAILURES('pods', 'forbidden'), '1+2x20'],
      ],
      evalTime: '15m',
      fire: [{ node: 'worker-a', resource: 'pods' }],
    },
    silent: [
      // An API server restart: a few failed watches, then synced again.
      {
        series: [
          [SYNCED, '1x20'],
          [DISCOVERY_FAILURES('pods', 'connect'), '0 0 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3'],
          [DISCOVERY_FAILURES('vips', 'connect'), '0 0 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2'],
        ],
        evalTime: '15m',
        fire: [],
      },
      // A cluster without Meridio's CRDs: asked again every 5 minutes, a supported setup.
      {
        series: [
          [SYNCED, '1x20'],
          [DISCOVERY_FAILURES('vips', 'not_found'), '1+0.2x20'],
          [DISCOVERY_FAILURES('attractors', 'not_found'), '1+0.2x20'],
        ],
        evalTime: '15m',
        fire: [],
      },
    ],
    keepsFiring: [
      // Pods fine, Vips forbidden (a ClusterRole edited without the Meridio group): VIPs go unexpected.
      {
        series: [
          [SYNCED, '1x20'],
          [DISCOVERY_FAILURES('vips', 'forbidden'), '1+2x20'],
        ],
        evalTime: '15m',
        fire: [{ node: 'worker-a', resource: 'vips' }],
      },
    ],
  },
};

const ALERTS = new Map(RULE_GROUPS.flatMap((g) => g.rules).map((r) => [r.alert, r]));

function promtoolTests(): unknown {
  const tests: unknown[] = [];
  for (const [alertname, c] of Object.entries(CASES)) {
    const rule = ALERTS.get(alertname);
    assert.ok(rule, alertname);
    for (const k of [c.fires, ...c.silent, ...(c.keepsFiring ?? [])]) {
      const what = k === c.fires ? 'fires' : c.silent.includes(k) ? 'stays silent' : 'keeps firing';
      tests.push({
        name: `${alertname} ${what} (case ${tests.length})`,
        interval: '1m',
        input_series: k.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          {
            eval_time: k.evalTime,
            alertname,
            exp_alerts: k.fire.map((labels) => expectedAlert(rule, labels, k.value)),
          },
        ],
      });
    }
  }
  return { rule_files: [RULES], evaluation_interval: '1m', tests };
}

// promtool of each Prometheus the rules must work on (PROMETHEUS_VERSIONS).
for (const { name: prometheus, promtool } of PROMETHEUS_VERSIONS) {
  describe(`alert rules on ${prometheus}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-rules-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('pass promtool check rules', () => {
      const out = execFileSync(promtool(), ['check', 'rules', RULES], { encoding: 'utf8' });
      assert.match(out, new RegExp(`SUCCESS: ${ALERTS.size} rules found`));
    });

    it('every alert has a firing case and a silent case', () => {
      assert.deepEqual(Object.keys(CASES).sort(), [...ALERTS.keys()].sort());
    });

    it('fire after their `for:` on a broken path and stay silent on a healthy one (promtool test rules)', () => {
      const file = join(dir, 'tests.yml');
      writeFileSync(file, stringify(promtoolTests(), { lineWidth: 0 }));
      const r = spawnSync(promtool(), ['test', 'rules', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS/);
    });

    it('a broken expectation fails (the test can fail)', () => {
      const doc = promtoolTests() as { tests: { alert_rule_test: { exp_alerts: unknown[] }[] }[] };
      const first = doc.tests[0]?.alert_rule_test[0];
      assert.ok(first);
      first.exp_alerts = [];
      const file = join(dir, 'broken.yml');
      writeFileSync(file, stringify(doc, { lineWidth: 0 }));
      const r = spawnSync(promtool(), ['test', 'rules', file], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
    });
  });
}
