import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import type { PathGraph } from '../../src/path/graph.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { GuideTopology, removeStaleNamespaces } from '../support/netns-topology.ts';
import { onlyLink } from '../support/path.ts';
import { requireTool } from '../support/tools.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';

// Root only: the guide's pods as real network namespaces, and a VPP CLI peer answering with worker-a's
// recordings whose taps' host-ns name those namespaces, as `create tap host-ns <name>` would.
const topology = new GuideTopology(`mpe${process.pid}-path`);
const P = topology.pods;
const dir = mkdtempSync(join(tmpdir(), 'mpe-path-'));
const sock = join(dir, 'cli.sock');

/** worker-a's `show tap`, each tap's host-ns pointing at the namespace of the pod its peer is in. */
function showTapInTopology(): string {
  const nsOfFd: Record<string, string> = {
    '43': topology.path(P.frontendGhi), // tap3 ↔ conduit-a--f75b
    '37': topology.path(P.proxy), // tap4 ↔ conduit-a--1b2a
    '31': topology.path(P.proxy), // tap1 ↔ conduit-a--90c8
    '50': topology.path(P.proxy), // tap5 ↔ proxy.cond-97e3
    '46': topology.path(P.target), // tap6 ↔ nsm-0
  };
  return demoVpp('worker-a', 'show-tap').replace(
    /host-ns "\/proc\/1\/fd\/(\d+)"/g,
    (_m, fd: string) => `host-ns "${nsOfFd[fd] ?? `/proc/1/fd/${fd}`}"`,
  );
}

describe('the path on real network namespaces and a VPP CLI socket', () => {
  const peer = new VppCliPeer(sock, { responses: {} });
  let exporter: RunningExporter;
  const path = async () => (await (await fetch(`${exporter.url}/api/v1/path`)).json()) as PathGraph;
  const link = (g: PathGraph, type: string, from: string) =>
    onlyLink(g, (l) => l.type === type && l.from === from);

  before(async () => {
    requireTool('nsenter');
    removeStaleNamespaces('mpe');
    topology.create();
    peer.behaviour = {
      responses: {
        'show interface': demoVpp('worker-a', 'show-interface'),
        'show interface addr': demoVpp('worker-a', 'show-interface-addr'),
        'show tap': showTapInTopology(),
        'show vxlan tunnel raw': demoVpp('worker-a', 'show-vxlan-tunnel-raw'),
      },
    };
    await peer.start();
    const pods = Object.values(P)
      .map((p) => `${p.namespace}/${p.pod}:${p.role}=${topology.path(p)}`)
      .join(',');
    exporter = await startTestExporter([
      `--vpp-cli-socket=${sock}`,
      `--netns.pods=${pods}`,
      '--node=worker-a',
    ]);
  });

  after(async () => {
    await exporter?.stop();
    await peer.stop();
    topology.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds each tap’s pod by its namespace first, and correlates the bridge, the VIP tables and the FDB', async () => {
    const g = await path();
    const tap3 = link(g, 'tap-peer', 'vpp:tap3');
    assert.equal(tap3.to, `pod:red/${P.frontendGhi.pod}/conduit-a--f75b`);
    assert.deepEqual(tap3.evidence, ['host-ns', 'host-mac-addr', 'host-if-name']);
    for (const tap of ['tap1', 'tap4', 'tap5', 'tap6']) {
      assert.equal(link(g, 'tap-peer', `vpp:${tap}`).evidence[0], 'host-ns', tap);
    }
    // Here both frontends are local, so both nexthops of table 1 end at a pod interface by address.
    const hops = g.links.filter((l) => l.type === 'nexthop' && l.details.table === '1');
    assert.deepEqual(hops.map((l) => [l.details.via, l.to, l.evidence[0]]).sort(), [
      ['172.16.1.2', `pod:red/${P.frontendJkl.pod}/conduit-a--0a17`, 'address'],
      ['172.16.1.4', `pod:red/${P.frontendGhi.pod}/conduit-a--f75b`, 'address'],
    ]);
    const toTarget = g.links.find((l) => l.type === 'fdb' && l.details.mac === '02:fe:c2:14:ec:dd');
    assert.equal(toTarget?.from, `pod:red/${P.proxy.pod}/proxy.cond-97e3`);
    assert.equal(toTarget?.to, `pod:red/${P.target.pod}/nsm-0`);
    assert.equal(g.links.filter((l) => l.type === 'bridge-member').length, 3);
    // A bare socket has no node list: the tunnel's far end is unknown, not made up.
    assert.equal(link(g, 'vxlan', 'vpp:vxlan_tunnel0').health.status, 'unknown');
    const notUp = g.links.filter((l) => l.health.status !== 'up' && l.type !== 'vxlan');
    assert.deepEqual(
      notUp.map((l) => `${l.id}: ${l.health.problems.join('; ')}`),
      [],
    );
  });

  it('a link set down is a down link; an interface renamed with a new MAC leaves its tap with a missing end', async () => {
    topology.exec(P.frontendGhi, ['ip', 'link', 'set', 'conduit-a--f75b', 'down']);
    topology.exec(P.proxy, ['ip', 'link', 'set', 'conduit-a--1b2a', 'down']);
    topology.exec(P.proxy, [
      'ip',
      'link',
      'set',
      'conduit-a--1b2a',
      'name',
      'moved-1b2a',
      'address',
      '02:fe:00:00:00:99',
    ]);
    await runCycle(exporter);
    const g = await path();
    const tap3 = link(g, 'tap-peer', 'vpp:tap3');
    assert.equal(tap3.health.status, 'down');
    assert.match(tap3.health.problems.join(), /conduit-a--f75b is admin down/);
    const tap4 = link(g, 'tap-peer', 'vpp:tap4');
    assert.equal(tap4.to, 'missing:tap-peer:tap4');
    assert.equal(tap4.health.status, 'down');
    const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    assert.match(
      metrics,
      /meridio_path_link_up\{node="worker-a",type="tap-peer",from="vpp:tap4",to="missing:tap-peer:tap4"\} 0/,
    );
    assert.match(metrics, /meridio_path_link_info\{[^}]*from="vpp:tap4"[^}]*to_presence="missing"[^}]*\} 1/);
    const check = execFileSync(requireTool('promtool'), ['check', 'metrics'], {
      input: metrics,
      encoding: 'utf8',
    });
    assert.equal(check.trim(), '');
  });
});
