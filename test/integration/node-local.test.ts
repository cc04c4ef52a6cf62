import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { PodProcessFinder } from '../../src/sources/node-local/pod-processes.ts';
import { startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { guideNodes, pod } from '../support/guide-cluster.ts';
import { KubeApiPeer } from '../support/kube-api-peer.ts';
import { GuideTopology, removeStaleNamespaces } from '../support/netns-topology.ts';
import { FakePodProcesses } from '../support/pod-cgroups.ts';
import { requireTool } from '../support/tools.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';

// Root only (CI runs as root). The node-local mode as on a real node: pods are processes in
// kubelet-named cgroups and their own network namespaces; VPP is a `vpp_main` with its CLI socket in
// its own mount namespace's /var/run/vpp.
const prefix = `mpe${process.pid}-nl`;
const topology = new GuideTopology(prefix);
const work = mkdtempSync(join(tmpdir(), 'mpe-node-local-'));
const processes = new FakePodProcesses(work, prefix);

const UID = {
  forwarder: '0a1b2c3d-0000-4000-8000-00000000f0f0',
  proxy: '0a1b2c3d-0000-4000-8000-0000000000a1',
  frontend: '0a1b2c3d-0000-4000-8000-0000000000b2',
  target: '0a1b2c3d-0000-4000-8000-0000000000c3',
};

describe('node-local mode (hostPID): pods found by UID in /proc, VPP through /proc/<pid>/root', () => {
  let peer: KubeApiPeer;
  let vpp: VppCliPeer;
  let exporter: RunningExporter | undefined;
  const pids: Record<string, number> = {};

  before(async () => {
    requireTool('nsenter');
    requireTool('unshare');
    removeStaleNamespaces('mpe');
    topology.create();
    const P = topology.pods;
    pids.proxy = await processes.start(UID.proxy, 'pause', { netns: P.proxy.netns });
    pids.frontend = await processes.start(UID.frontend, 'pause', { netns: P.frontendGhi.netns });
    pids.target = await processes.start(UID.target, 'pause', { netns: P.target.netns });
    // The forwarder container's /var/run is a directory of the test; the socket is made there and the
    // exporter must reach it as /proc/<vpp_main>/root/var/run/vpp/cli.sock.
    const run = join(work, 'forwarder-run');
    mkdirSync(join(run, 'vpp'), { recursive: true });
    pids.vpp = await processes.start(UID.forwarder, 'vpp_main', { runDir: run });
    vpp = new VppCliPeer(join(run, 'vpp', 'cli.sock'), {
      responses: {
        'show interface': demoVpp('worker-a', 'show-interface'),
        'show interface addr': demoVpp('worker-a', 'show-interface-addr'),
        'show tap': demoVpp('worker-a', 'show-tap'),
        'show vxlan tunnel raw': demoVpp('worker-a', 'show-vxlan-tunnel-raw'),
      },
    });
    await vpp.start();
    peer = new KubeApiPeer({
      pods: [
        pod('nsm-system', 'forwarder-vpp-worker-a', 'worker-a', [{ name: 'forwarder-vpp' }], UID.forwarder),
        pod(
          'red',
          P.proxy.pod,
          'worker-a',
          [
            {
              name: 'proxy',
              env: [
                { name: 'NSM_TRENCH', value: 'trench-a' },
                { name: 'NSM_CONDUIT', value: 'conduit-a-1' },
              ],
            },
          ],
          UID.proxy,
        ),
        pod('red', P.frontendGhi.pod, 'worker-a', [{ name: 'stateless-lb' }, { name: 'fe' }], UID.frontend),
        pod('red', P.target.pod, 'worker-a', [{ name: 'example-target' }, { name: 'tapa' }], UID.target),
      ],
      nodes: guideNodes(),
      exec: async () => ({ failure: 'node-local mode must not exec' }),
    });
    const url = await peer.start();
    writeFileSync(join(work, 'kubeconfig'), peer.kubeconfig(url));
  });

  after(async () => {
    await exporter?.stop();
    await vpp?.stop().catch(() => undefined);
    await peer?.stop();
    processes.stop();
    topology.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds each pod process by the UID in its cgroup, and vpp_main by name', () => {
    const finder = new PodProcessFinder();
    assert.equal(finder.anyProcess(UID.proxy), pids.proxy);
    assert.equal(finder.anyProcess(UID.target), pids.target);
    assert.equal(finder.processNamed(UID.forwarder, 'vpp_main'), pids.vpp);
    assert.equal(finder.processNamed(UID.proxy, 'vpp_main'), undefined);
    assert.equal(finder.anyProcess('ffffffff-0000-4000-8000-000000000000'), undefined);
    const scans = finder.scans;
    assert.equal(finder.anyProcess(UID.proxy), pids.proxy);
    assert.equal(finder.scans, scans, 'a known PID is re-checked, not searched again');
  });

  it('reads VPP and every pod of the node from the right namespace, without any exec', async () => {
    exporter = await startTestExporter([
      '--kube.mode=node-local',
      `--kubeconfig=${join(work, 'kubeconfig')}`,
      '--node=worker-a',
    ]);
    const res = await exporter.app.inject({ url: '/metrics', headers: { 'accept-encoding': 'identity' } });
    const body = res.body;
    const vppStatus = body
      .split('\n')
      .filter((l) => l.includes('source="vpp"'))
      .join('\n');
    assert.match(body, /vpp_interface_info\{/, `VPP not read:\n${vppStatus}`);
    assert.match(
      body,
      /vpp_interface_info\{node="worker-a",forwarder="forwarder-vpp-worker-a",interface="tap3"/,
    );
    assert.match(body, /vpp_vxlan_tunnel_info\{[^}]*remote_node="worker-b"\} 1/);
    assert.ok(vpp.connections >= 4, 'VPP was read through the socket inside the forwarder container');
    for (const name of [topology.pods.proxy.pod, topology.pods.frontendGhi.pod, topology.pods.target.pod]) {
      assert.match(
        body,
        new RegExp(`meridio_pod_info\\{[^}]*pod="${name}"[^}]*source="node-local",form="json"\\} 1`),
      );
    }
    // Each pod's own interfaces: bridge0 only in the proxy, the VIP route table only there.
    assert.match(
      body,
      /meridio_pod_interface_info\{[^}]*pod="proxy-conduit-a-1-abc",trench="trench-a",conduit="conduit-a-1",interface="bridge0"/,
    );
    assert.doesNotMatch(body, /meridio_pod_interface_info\{[^}]*pod="target-a-1"[^}]*interface="bridge0"/);
    assert.match(
      body,
      /meridio_proxy_route_nexthops\{[^}]*pod="proxy-conduit-a-1-abc"[^}]*table="1"[^}]*\} 2/,
    );
    assert.doesNotMatch(body, /collect_success\{[^}]*source="pod"[^}]*\} 0/);
    assert.equal(peer.count('exec'), 0);
  });
});
