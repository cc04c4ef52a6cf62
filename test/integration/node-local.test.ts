import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { PodProcessFinder } from '../../src/sources/node-local/pod-processes.ts';
import { startTestExporter } from '../support/exporter.ts';
import { removeStaleNamespaces } from '../support/netns-topology.ts';
import { NodeLocalNode } from '../support/node-local-node.ts';

// Root only (CI runs as root). The node-local mode as on a real node: pods are processes in
// kubelet-named cgroups and their own network namespaces; VPP is a `vpp_main` with its CLI socket in
// its own mount namespace's /var/run/vpp.
const node = new NodeLocalNode(`mpe${process.pid}-nl`);
const UID = NodeLocalNode.UID;

describe('node-local mode (hostPID): pods found by UID in /proc, VPP through /proc/<pid>/root', () => {
  let exporter: RunningExporter | undefined;
  const pids = node.pids;

  before(async () => {
    removeStaleNamespaces('mpe');
    await node.start();
  });

  after(async () => {
    await exporter?.stop();
    await node.stop();
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
      `--kubeconfig=${node.kubeconfig}`,
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
    assert.ok(
      (node.vpp?.connections ?? 0) >= 4,
      'VPP was read through the socket inside the forwarder container',
    );
    for (const name of [
      node.topology.pods.proxy.pod,
      node.topology.pods.frontendGhi.pod,
      node.topology.pods.target.pod,
    ]) {
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
    assert.equal(node.peer?.count('exec'), 0);
  });
});
