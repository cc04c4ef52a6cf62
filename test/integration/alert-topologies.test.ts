import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { RULE_GROUPS } from '../../grafana/src/alert-rules.ts';
import {
  forwarder,
  healthySeries,
  type Labels,
  podBase,
  proxyPod,
  type Series,
  STEPS,
  seriesText,
  TOPOLOGIES,
  type Topology,
  targetMac,
  targetPod,
} from '../support/meridio-series.ts';
import { PROMETHEUS_VERSIONS } from '../support/prometheus.ts';
import { expectedAlert } from '../support/promtool-cases.ts';

// Every rule over whole Meridio clusters (test/support/meridio-series.ts): several trenches, conduits
// and attractors, frontends on other nodes, a conduit with no frontend yet, IPv4-only, IPv6-only and
// dual-stack. On a healthy cluster nothing fires; with one fault, exactly its alert fires, naming what
// broke (and no other alert). test/integration/alert-rules.test.ts has each rule's own small cases.
const RULES = new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url).pathname;
const ALERTS = new Map(RULE_GROUPS.flatMap((g) => g.rules).map((r) => [r.alert, r]));
/** When every case is evaluated: after every rule's `for:` (at most 15 min) on 40 minutes of series. */
const EVAL = '30m';

const [MAIN, NO_FRONTEND, REMOTE] = TOPOLOGIES as [Topology, Topology, Topology];
const A = 'worker-a';

interface Expected {
  alert: string;
  fire: Labels[];
  value?: string;
  evalTime?: string;
}

interface TopologyFault {
  name: string;
  topology: Topology;
  /** Changes the healthy series in place and says which alert must fire, with which labels. */
  inject: (series: Series[]) => Expected;
}

function matching(series: Series[], name: string, labels: Labels): Series[] {
  const found = series.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length > 0, `no ${name} with ${JSON.stringify(labels)}`);
  return found;
}

function one(series: Series[], name: string, labels: Labels): Series {
  const found = matching(series, name, labels);
  assert.equal(found.length, 1, `${found.length} ${name} with ${JSON.stringify(labels)}`);
  return found[0] as Series;
}

function remove(series: Series[], name: string, labels: Labels): void {
  for (const s of matching(series, name, labels)) series.splice(series.indexOf(s), 1);
}

/** The labels an alert gets from a series: without the ones the rule aggregates away. */
function only(labels: Labels, keep: string[]): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => keep.includes(k)));
}

const proxyOf = (t: Topology, conduit: string, node: string) => {
  const trench = t.trenches.find((x) => x.conduits.some((c) => c.name === conduit))?.name ?? '';
  return podBase(t, node, proxyPod(conduit, node), trench, conduit);
};
const V = (node: string) => ({ node, forwarder: forwarder(node) });

const FAULTS: TopologyFault[] = [
  {
    name: 'one of two nexthops missing from an IPv6 VIP table of conduit-a-1’s proxy',
    topology: MAIN,
    inject: (series) => {
      const p = proxyOf(MAIN, 'conduit-a-1', A);
      const nexthops = one(series, 'meridio_proxy_route_nexthops', { ...p, table: '2' });
      nexthops.values = `1x${STEPS}`;
      remove(series, 'meridio_proxy_route_nexthop_info', { ...p, table: '2', via: 'fd00:0:0:1::3' });
      return { alert: 'MeridioProxyVipMissingNexthops', fire: [nexthops.labels], value: '1' };
    },
  },
  {
    name: 'the VIP table of the IPv4-only trench emptied',
    topology: MAIN,
    inject: (series) => {
      const p = proxyOf(MAIN, 'conduit-b-1', A);
      remove(series, 'meridio_proxy_route_nexthops', { ...p, table: '1' });
      remove(series, 'meridio_proxy_route_nexthop_info', { ...p, table: '1' });
      return {
        alert: 'MeridioProxyVipNoNexthop',
        fire: [one(series, 'meridio_proxy_rule_info', { ...p, table: '1' }).labels],
      };
    },
  },
  {
    name: 'a remote frontend’s neighbour FAILED in conduit-a-2’s proxy (one address, two IPv4 VIP tables)',
    topology: MAIN,
    inject: (series) => {
      const p = proxyOf(MAIN, 'conduit-a-2', A);
      one(series, 'meridio_neighbor_state', { ...p, ip: '172.16.2.2' }).labels.state = 'FAILED';
      return {
        alert: 'MeridioNexthopNeighbourFailed',
        fire: matching(series, 'meridio_proxy_route_nexthop_info', { ...p, via: '172.16.2.2' }).map(
          (s) => s.labels,
        ),
      };
    },
  },
  {
    name: 'trench-b’s target MAC missing from its proxy’s bridge (trench-a’s bridges are whole)',
    topology: MAIN,
    inject: (series) => {
      const mac = targetMac(MAIN, 'trench-b', 'conduit-b-1', A);
      remove(series, 'meridio_bridge_fdb_entry_info', { ...proxyOf(MAIN, 'conduit-b-1', A), mac });
      return {
        alert: 'MeridioBridgeFdbMissingTarget',
        fire: [one(series, 'meridio_pod_interface_info', { pod: targetPod('trench-b', A), mac }).labels],
      };
    },
  },
  {
    name: 'trench-b’s target MAC learned only by a bridge of trench-a',
    topology: MAIN,
    inject: (series) => {
      const mac = targetMac(MAIN, 'trench-b', 'conduit-b-1', A);
      const entry = one(series, 'meridio_bridge_fdb_entry_info', { ...proxyOf(MAIN, 'conduit-b-1', A), mac });
      entry.labels = { ...entry.labels, ...proxyOf(MAIN, 'conduit-a-1', A) };
      return {
        alert: 'MeridioBridgeFdbMissingTarget',
        fire: [one(series, 'meridio_pod_interface_info', { pod: targetPod('trench-b', A), mac }).labels],
      };
    },
  },
  {
    name: 'a tap without carrier',
    topology: MAIN,
    inject: (series) => {
      one(series, 'vpp_tap_carrier_up', { ...V(A), interface: 'tap0' }).values = `0x${STEPS}`;
      return { alert: 'MeridioPathTapCarrierDown', fire: [{ ...V(A), interface: 'tap0' }] };
    },
  },
  {
    name: 'a cross-connected tap admin down',
    topology: MAIN,
    inject: (series) => {
      one(series, 'vpp_interface_admin_up', { ...V(A), interface: 'tap1' }).values = `0x${STEPS}`;
      return { alert: 'MeridioPathXconnectInterfaceDown', fire: [{ ...V(A), interface: 'tap1' }] };
    },
  },
  {
    name: 'a cross-connect naming an interface VPP no longer lists',
    topology: MAIN,
    inject: (series) => {
      for (const name of [
        'vpp_interface_info',
        'vpp_interface_admin_up',
        'vpp_interface_drops_total',
        'vpp_tap_info',
        'vpp_tap_carrier_up',
      ]) {
        remove(series, name, { ...V(A), interface: 'tap1' });
      }
      remove(series, 'vpp_l2_xconnect_info', { ...V(A), interface: 'tap1' });
      return {
        alert: 'MeridioPathXconnectPeerMissing',
        fire: [{ ...V(A), interface: 'tap0', peer: 'tap1' }],
      };
    },
  },
  {
    name: 'a VxLAN tunnel to a frontend’s node gone',
    topology: MAIN,
    inject: (series) => {
      const tunnel = one(series, 'vpp_vxlan_tunnel_info', { ...V(A), interface: 'vxlan_tunnel0' });
      tunnel.values = '1x15';
      return { alert: 'MeridioPathVxlanTunnelGone', fire: [tunnel.labels], evalTime: '22m' };
    },
  },
  {
    name: 'drops on a tap of the path',
    topology: MAIN,
    inject: (series) => {
      one(series, 'vpp_interface_drops_total', { ...V(A), interface: 'tap0' }).values = `0+60x${STEPS}`;
      return { alert: 'MeridioPathInterfaceDrops', fire: [{ ...V(A), interface: 'tap0' }], value: '1' };
    },
  },
  {
    name: 'a cross-connect link down on the path graph',
    topology: MAIN,
    inject: (series) => {
      const up = one(series, 'meridio_path_link_up', { node: A, type: 'xconnect', from: 'vpp:tap0' });
      up.values = `0x${STEPS}`;
      const info = one(series, 'meridio_path_link_info', { node: A, type: 'xconnect', from: 'vpp:tap0' });
      return {
        alert: 'MeridioPathLinkDown',
        fire: [
          only(info.labels, [
            'node',
            'type',
            'from',
            'from_kind',
            'from_namespace',
            'from_pod',
            'from_interface',
          ]),
        ],
      };
    },
  },
  {
    name: 'a proxy that cannot be read',
    topology: MAIN,
    inject: (series) => {
      const p = proxyOf(MAIN, 'conduit-a-2', A);
      const read = { node: A, source: 'pod', namespace: p.namespace as string, pod: p.pod as string };
      one(series, 'meridio_path_exporter_collect_success', {
        ...read,
        command: 'ip -json rule show',
      }).values = `0x${STEPS}`;
      return { alert: 'MeridioPathExporterCannotRead', fire: [read] };
    },
  },
  {
    name: 'an agent without its pod list',
    topology: MAIN,
    inject: (series) => {
      one(series, 'meridio_path_exporter_discovery_synced', { node: 'worker-b' }).values = `0x${STEPS}`;
      return { alert: 'MeridioPathExporterCannotDiscover', fire: [{ node: 'worker-b', resource: 'pods' }] };
    },
  },
  {
    name: 'an agent that cannot be scraped',
    topology: MAIN,
    inject: (series) => {
      const up = one(series, 'up', { instance: 'worker-c:9847' });
      up.values = `0x${STEPS}`;
      return { alert: 'MeridioPathExporterDown', fire: [up.labels] };
    },
  },
  {
    name: 'a nexthop missing beside a conduit with no frontend yet',
    topology: NO_FRONTEND,
    inject: (series) => {
      const p = proxyOf(NO_FRONTEND, 'conduit-c-1', 'worker-b');
      const nexthops = one(series, 'meridio_proxy_route_nexthops', { ...p, table: '1' });
      nexthops.values = `1x${STEPS}`;
      remove(series, 'meridio_proxy_route_nexthop_info', { ...p, table: '1', via: '172.16.1.2' });
      return { alert: 'MeridioProxyVipMissingNexthops', fire: [nexthops.labels], value: '1' };
    },
  },
  {
    name: 'an IPv6 neighbour FAILED where every frontend is on another node',
    topology: REMOTE,
    inject: (series) => {
      const p = proxyOf(REMOTE, 'conduit-g-1', A);
      one(series, 'meridio_neighbor_state', { ...p, ip: 'fd00:0:0:1::3' }).labels.state = 'INCOMPLETE';
      return {
        alert: 'MeridioNexthopNeighbourFailed',
        fire: matching(series, 'meridio_proxy_route_nexthop_info', { ...p, via: 'fd00:0:0:1::3' }).map(
          (s) => s.labels,
        ),
      };
    },
  },
];

/** One promtool test over `series`: `expected`'s alert fires as said, every other alert stays silent. */
function promtoolTest(name: string, series: Series[], expected?: Expected): unknown {
  return {
    name,
    interval: '1m',
    input_series: series.map((s) => ({ series: seriesText(s), values: s.values })),
    alert_rule_test: [...ALERTS.values()].map((rule) => {
      const fire = expected?.alert === rule.alert ? expected.fire : [];
      return {
        eval_time: expected?.evalTime ?? EVAL,
        alertname: rule.alert,
        exp_alerts: fire.map((labels) => expectedAlert(rule, labels, expected?.value)),
      };
    }),
  };
}

function healthyTests(): unknown[] {
  return TOPOLOGIES.map((t) => promtoolTest(`healthy: ${t.name}`, healthySeries(t)));
}

function faultTests(): unknown[] {
  return FAULTS.map((f) => {
    const series = healthySeries(f.topology);
    const expected = f.inject(series);
    return promtoolTest(`${f.name} (${f.topology.name})`, series, expected);
  });
}

for (const { name: prometheus, promtool } of PROMETHEUS_VERSIONS) {
  describe(`alert rules on whole Meridio topologies (${prometheus})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-topologies-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    function run(name: string, tests: unknown[]): { status: number | null; out: string } {
      const file = join(dir, `${name}.yml`);
      writeFileSync(
        file,
        stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }, { lineWidth: 0 }),
      );
      const r = spawnSync(promtool(), ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    }

    it('nothing fires on any healthy topology', () => {
      const r = run('healthy', healthyTests());
      assert.equal(r.status, 0, r.out.slice(0, 20_000));
    });

    it('each fault fires exactly its alert, naming what broke, and nothing else', () => {
      const r = run('faults', faultTests());
      assert.equal(r.status, 0, r.out.slice(0, 20_000));
    });

    it('every alert has a fault on a topology', () => {
      const covered = new Set(
        FAULTS.map((f) => {
          const series = healthySeries(f.topology);
          return f.inject(series).alert;
        }),
      );
      assert.deepEqual(
        [...ALERTS.keys()].filter((a) => !covered.has(a)),
        [],
      );
    });

    it('a fault expected on a healthy topology fails (the test can fail)', () => {
      const fault = FAULTS[0] as TopologyFault;
      const expected = fault.inject(healthySeries(fault.topology));
      const r = run('broken', [promtoolTest('broken', healthySeries(fault.topology), expected)]);
      assert.notEqual(r.status, 0);
    });
  });
}
