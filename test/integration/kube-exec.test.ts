import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { ClusterDiscovery } from '../../src/discovery/node-pods.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { linuxFixturePath } from '../support/fixtures.ts';
import { demoRecording, FakeContainerTools, guideNodes, guidePods, pod } from '../support/guide-cluster.ts';
import { type ExecAnswer, type ExecCall, KubeApiPeer } from '../support/kube-api-peer.ts';

const work = mkdtempSync(join(tmpdir(), 'mpe-kube-'));
const tools = new FakeContainerTools({ withIp: true });
const noIpTools = new FakeContainerTools({ withIp: false });
after(() => {
  tools.remove();
  noIpTools.remove();
  rmSync(work, { recursive: true, force: true });
});

interface Harness {
  peer: KubeApiPeer;
  kubeconfig: string;
}

const running: { peer?: KubeApiPeer; exporter?: RunningExporter; discovery?: ClusterDiscovery }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.exporter?.stop();
    await r.discovery?.stop();
    await r.peer?.stop();
  }
});

async function startPeer(
  exec: (call: ExecCall) => Promise<ExecAnswer> = (call) => tools.run(call, demoRecording(call)),
  protocols?: string[],
): Promise<Harness> {
  const peer = new KubeApiPeer({
    pods: guidePods(),
    nodes: guideNodes(),
    exec,
    ...(protocols && { protocols }),
  });
  const url = await peer.start();
  const kubeconfig = join(work, `kubeconfig-${running.length}-${Date.now()}`);
  writeFileSync(kubeconfig, peer.kubeconfig(url));
  running.push({ peer });
  return { peer, kubeconfig };
}

function discoveryFor(h: Harness, node = 'worker-a'): ClusterDiscovery {
  const kc = new KubeConfig();
  kc.loadFromFile(h.kubeconfig);
  const d = new ClusterDiscovery({
    kc,
    node,
    logger: pino({ level: 'silent' }),
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
  running.push({ discovery: d });
  return d;
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startExporterOn(h: Harness, ...flags: string[]): Promise<RunningExporter> {
  const exporter = await startTestExporter([
    '--kube.mode=exec',
    `--kubeconfig=${h.kubeconfig}`,
    '--node=worker-a',
    ...flags,
  ]);
  running.push({ exporter });
  return exporter;
}

async function metrics(exporter: RunningExporter): Promise<string> {
  const res = await exporter.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { 'accept-encoding': 'identity' },
  });
  return res.body;
}

describe('discovery against the Kubernetes API peer', () => {
  it("finds exactly this node's path pods, with roles and trench/conduit/attractor, and every node's address", async () => {
    const h = await startPeer();
    const d = discoveryFor(h);
    assert.deepEqual(await d.start(5000), { podsSynced: true, nodesSynced: true });
    const pods = d
      .pods()
      .map((p) => [p.namespace, p.pod, p.role, p.container, p.trench, p.conduit, p.attractor]);
    assert.deepEqual(pods, [
      ['nsm-system', 'forwarder-vpp-worker-a', 'forwarder', 'forwarder-vpp', undefined, undefined, undefined],
      ['red', 'proxy-conduit-a-1-abc', 'proxy', 'proxy', 'trench-a', 'conduit-a-1', undefined],
      [
        'red',
        'stateless-lb-frontend-attractor-a-1-ghi',
        'stateless-lb-frontend',
        'stateless-lb',
        'trench-a',
        'conduit-a-1',
        'attractor-a-1',
      ],
      ['red', 'target-a-1', 'target', 'example-target', undefined, undefined, undefined],
    ]);
    assert.equal(d.forwarder()?.pod, 'forwarder-vpp-worker-a');
    assert.deepEqual(
      [...d.nodeByAddress()],
      [
        ['172.18.0.2', 'worker-a'],
        ['172.18.0.4', 'worker-b'],
      ],
    );
    // One list and one watch per kind; the pod requests ask the server for this node only.
    assert.equal(h.peer.count('list', 'pods'), 1);
    assert.equal(h.peer.count('watch', 'pods'), 1);
    assert.equal(h.peer.count('list', 'nodes'), 1);
    assert.equal(h.peer.count('watch', 'nodes'), 1);
    for (const r of h.peer.requests.filter((r) => r.resource === 'pods')) {
      assert.equal(r.query.fieldSelector, 'spec.nodeName=worker-a');
    }
  });

  it('follows a pod added and deleted on this node and ignores one on another node', async () => {
    const h = await startPeer();
    const d = discoveryFor(h);
    await d.start(5000);
    h.peer.addPod(pod('blue', 'proxy-conduit-b-1-xyz', 'worker-a', [{ name: 'proxy' }]));
    h.peer.addPod(pod('blue', 'proxy-conduit-b-1-zzz', 'worker-b', [{ name: 'proxy' }]));
    await until('the new proxy', () => d.pods().some((p) => p.pod === 'proxy-conduit-b-1-xyz'));
    assert.equal(
      d.pods().some((p) => p.pod === 'proxy-conduit-b-1-zzz'),
      false,
    );
    h.peer.deletePod('red', 'target-a-1');
    await until('the target gone', () => !d.pods().some((p) => p.pod === 'target-a-1'));
    assert.equal(h.peer.count('list', 'pods'), 1, 'changes come from the watch, not from new lists');
  });

  it('retries failing lists with backoff until the API server answers', async () => {
    const h = await startPeer();
    h.peer.failNextLists(3);
    const d = discoveryFor(h);
    const synced = await d.start(5000);
    assert.equal(synced.podsSynced && synced.nodesSynced, true);
    assert.ok(d.watchFailures >= 3, `failures counted: ${d.watchFailures}`);
    assert.equal(d.pods().length, 4);
  });
});

describe('kube-exec mode end to end (exporter → API peer → real sh with the recorded tools)', () => {
  it(`serves the node with one exec per pod per cycle, forwarder and remote_node from discovery`, async () => {
    const h = await startPeer();
    const exporter = await startExporterOn(h);
    const body = await metrics(exporter);
    assert.match(
      body,
      /vpp_interface_rx_packets_total\{node="worker-a",forwarder="forwarder-vpp-worker-a",interface="tap3"/,
    );
    assert.match(body, /vpp_vxlan_tunnel_info\{[^}]*dst="172\.18\.0\.4"[^}]*remote_node="worker-b"\} 1/);
    assert.match(
      body,
      /meridio_pod_info\{node="worker-a",namespace="red",pod="proxy-conduit-a-1-abc",trench="trench-a",conduit="conduit-a-1",role="proxy",source="kube-exec",form="json"\} 1/,
    );
    assert.match(
      body,
      /meridio_pod_info\{[^}]*pod="stateless-lb-frontend-attractor-a-1-ghi"[^}]*attractor="attractor-a-1"[^}]*form="json"\} 1/,
    );
    assert.match(body, /meridio_proxy_route_nexthops\{[^}]*pod="proxy-conduit-a-1-abc"/);
    assert.doesNotMatch(body, /collect_success\{[^}]*\} 0/, 'every command of the first cycle succeeded');
    assert.match(body, /^meridio_path_exporter_discovery_synced\{node="worker-a"\} 1$/m);
    // First cycle: the forwarder (all 6 commands in one exec) and the three Meridio pods.
    assert.equal(h.peer.count('exec'), 4);
    const vpp = h.peer.execs.find((e) => e.pod === 'forwarder-vpp-worker-a');
    assert.equal(vpp?.container, 'forwarder-vpp');
    assert.equal(vpp?.protocol, 'v5.channel.k8s.io');
    assert.equal(h.peer.execs.find((e) => e.pod === 'target-a-1')?.container, 'example-target');
    await runCycle(exporter);
    assert.equal(h.peer.count('exec'), 8, 'the second cycle again needs one exec per pod');
    // Pods, nodes, and Meridio's Vips and Attractors (404 here: no CRDs), each listed once at start.
    assert.equal(h.peer.count('list'), 4, 'no list per cycle');
  });

  it(`an API server that does not answer is reported as such, and nothing is called missing meanwhile`, async () => {
    const h = await startPeer();
    h.peer.failNextLists(1_000_000, 503);
    const exporter = await startTestExporter(
      ['--kube.mode=exec', `--kubeconfig=${h.kubeconfig}`, '--node=worker-a'],
      { discoveryWaitMs: 300 },
    );
    running.push({ exporter });
    const status = exporter.cycles.last?.vppCommands?.find((c) => c.command === 'show interface');
    assert.equal(status?.failure, 'connect');
    assert.match(
      status?.message ?? '',
      /^the pods of node worker-a are not known yet: the Kubernetes API server failed: .*503/,
    );
    assert.doesNotMatch(status?.message ?? '', /no running forwarder-vpp pod/);
    assert.match(await metrics(exporter), /^meridio_path_exporter_discovery_synced\{node="worker-a"\} 0$/m);
    assert.equal(exporter.cycles.graph?.complete.pods, false);
    assert.equal((await exporter.app.inject('/readyz')).statusCode, 503, 'not ready while pods are unknown');
  });

  it(`a pod deleted from the node leaves /metrics at the next cycle, its self-metrics too`, async () => {
    const h = await startPeer();
    const exporter = await startExporterOn(h);
    assert.match(await metrics(exporter), /pod="target-a-1"/);
    h.peer.deletePod('red', 'target-a-1');
    // The delete arrives over the watch within milliseconds; the first cycle after it drops the pod.
    let cycles = 0;
    while ((await runCycle(exporter)).pods.some((p) => p.target.pod === 'target-a-1')) {
      assert.ok(++cycles < 20, 'the deleted pod is still read after 20 cycles');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.doesNotMatch(await metrics(exporter), /pod="target-a-1"/);
  });

  it('works with an API server that offers only v4.channel.k8s.io', async () => {
    const h = await startPeer(undefined, ['v4.channel.k8s.io']);
    const exporter = await startExporterOn(h);
    assert.match(await metrics(exporter), /meridio_pod_info\{[^}]*pod="target-a-1"[^}]*form="json"\} 1/);
    assert.ok(h.peer.execs.every((e) => e.protocol === 'v4.channel.k8s.io'));
  });

  it('falls back to /proc in the same cycle when the image has no ip, and stays there', async () => {
    const noIp = join(work, 'no-ip');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(noIp, { recursive: true });
    copyFileSync(linuxFixturePath('proc-net-dev.netns.proxy.txt'), join(noIp, 'cat-proc-net-dev.txt'));
    copyFileSync(
      linuxFixturePath('sys-class-net-address.netns.proxy.txt'),
      join(noIp, 'cat-sys-class-net-address.txt'),
    );
    copyFileSync(linuxFixturePath('proc-net-arp.guide.proxy.txt'), join(noIp, 'cat-proc-net-arp.txt'));
    const h = await startPeer((call) =>
      call.pod === 'target-a-1' ? noIpTools.run(call, noIp) : tools.run(call, demoRecording(call)),
    );
    const exporter = await startExporterOn(h);
    const body = await metrics(exporter);
    assert.match(body, /meridio_pod_info\{[^}]*pod="target-a-1"[^}]*form="proc"\} 1/);
    assert.match(body, /meridio_pod_interface_rx_bytes_total\{[^}]*pod="target-a-1"/);
    const targetExecs = () => h.peer.execs.filter((e) => e.pod === 'target-a-1').length;
    assert.equal(targetExecs(), 3, 'json, text, then proc in the first cycle');
    await runCycle(exporter);
    assert.equal(targetExecs(), 4, 'the next cycle goes straight to proc');
  });

  it('marks only the failing pod: a hanging exec times out, an exec closed without its status is closed-early', async () => {
    const h = await startPeer((call) =>
      call.pod === 'target-a-1'
        ? Promise.resolve({ hang: true as const })
        : call.pod === 'stateless-lb-frontend-attractor-a-1-ghi'
          ? Promise.resolve({ closeWithoutStatus: true as const })
          : tools.run(call, demoRecording(call)),
    );
    const t0 = performance.now();
    const exporter = await startExporterOn(h, '--collect.command-timeout=1s', '--collect.interval=5s');
    assert.ok(performance.now() - t0 < 4000, 'the first cycle is not held up by the hanging pod');
    const body = await metrics(exporter);
    assert.match(body, /collect_failures_total\{[^}]*pod="target-a-1"[^}]*reason="timeout"[^}]*\} 1/);
    assert.match(
      body,
      /collect_failures_total\{[^}]*pod="stateless-lb-frontend-attractor-a-1-ghi"[^}]*reason="closed-early"[^}]*\} 1/,
    );
    assert.match(body, /meridio_pod_info\{[^}]*pod="proxy-conduit-a-1-abc"[^}]*form="json"\} 1/);
    assert.match(body, /vpp_interface_info\{/);
    assert.doesNotMatch(
      body,
      /meridio_pod_interface_info\{[^}]*pod="target-a-1"/,
      'no made-up data for the failed pod',
    );
  });
});
