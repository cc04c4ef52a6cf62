// Cluster modes: API requests and cycle time per mode, against the Kubernetes API test peer with the
// guide's worker-a (forwarder + proxy + frontend + target). Root only for node-local (cgroups, netns).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestExporter } from '../test/support/exporter.ts';
import { demoVpp } from '../test/support/fixtures.ts';
import {
  demoRecording,
  FakeContainerTools,
  guideNodes,
  guidePods,
  pod,
} from '../test/support/guide-cluster.ts';
import { KubeApiPeer } from '../test/support/kube-api-peer.ts';
import { GuideTopology } from '../test/support/netns-topology.ts';
import { FakePodProcesses } from '../test/support/pod-cgroups.ts';
import { VppCliPeer } from '../test/support/vpp-cli-peer.ts';

const CYCLES = 21;

async function measure(peer: KubeApiPeer, kubeconfig: string, mode: string): Promise<string> {
  const exporter = await startTestExporter([
    `--kube.mode=${mode}`,
    `--kubeconfig=${kubeconfig}`,
    '--node=worker-a',
  ]);
  const startup = peer.requests.length;
  const times: number[] = [];
  const execsBefore = peer.count('exec');
  for (let i = 0; i < CYCLES; i++) times.push((await exporter.runner.runCycle()).seconds * 1000);
  const perCycle = (peer.requests.length - startup) / CYCLES;
  const execs = (peer.count('exec') - execsBefore) / CYCLES;
  await exporter.stop();
  times.sort((a, b) => a - b);
  return `| ${mode} | ${peer.count('list')} lists + ${peer.count('watch')} watches (kept open), first cycle included: ${startup} | ${perCycle.toFixed(2)} (${execs.toFixed(2)} exec) | ${(times[10] as number).toFixed(1)} | ${(times[18] as number).toFixed(1)} |`;
}

export async function clusterModes(): Promise<void> {
  console.log(
    '\n## Cluster modes on the guide node worker-a: 1 forwarder + 3 Meridio pods (21 cycles, ms)\n',
  );
  console.log(
    '| mode | API requests at start | API requests per cycle | cycle median | cycle p90 |\n|---|---|---|---|---|',
  );
  const work = mkdtempSync(join(tmpdir(), 'mpe-bench-cluster-'));
  const tools = new FakeContainerTools({ withIp: true });
  try {
    const peer = new KubeApiPeer({
      pods: guidePods(),
      nodes: guideNodes(),
      exec: (c) => tools.run(c, demoRecording(c)),
    });
    const url = await peer.start();
    writeFileSync(join(work, 'kc'), peer.kubeconfig(url));
    console.log(await measure(peer, join(work, 'kc'), 'exec'));
    await peer.stop();
    if (process.getuid?.() === 0) console.log(await nodeLocal(work));
    else console.log('| node-local | (needs root: cgroups and network namespaces) | | | |');
  } finally {
    tools.remove();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '\nexec: each exec is a WebSocket through the API server to the kubelet; here the peer runs a real sh with recorded tools on loopback, so a real cluster adds its API-server/kubelet latency per exec (4 per cycle, run 4 at a time for pods). node-local: no API request per cycle; VPP over its socket, pods through nsenter + ip -batch.',
  );
}

async function nodeLocal(work: string): Promise<string> {
  const topology = new GuideTopology(`mpeb${process.pid}`);
  const processes = new FakePodProcesses(work, `mpeb${process.pid}`);
  const uid = (n: number) => `0b1c2d3e-0000-4000-8000-00000000000${n}`;
  let vpp: VppCliPeer | undefined;
  let peer: KubeApiPeer | undefined;
  try {
    topology.create();
    const P = topology.pods;
    await processes.start(uid(1), 'pause', { netns: P.proxy.netns });
    await processes.start(uid(2), 'pause', { netns: P.frontendGhi.netns });
    await processes.start(uid(3), 'pause', { netns: P.target.netns });
    const run = join(work, 'run');
    mkdirSync(join(run, 'vpp'), { recursive: true });
    await processes.start(uid(4), 'vpp_main', { runDir: run });
    vpp = new VppCliPeer(join(run, 'vpp', 'cli.sock'), {
      responses: Object.fromEntries(
        ['show interface', 'show interface addr', 'show tap', 'show vxlan tunnel raw'].map((c) => [
          c,
          demoVpp('worker-a', c.replace(/ /g, '-')),
        ]),
      ),
    });
    await vpp.start();
    peer = new KubeApiPeer({
      pods: [
        pod('nsm-system', 'forwarder-vpp-worker-a', 'worker-a', [{ name: 'forwarder-vpp' }], uid(4)),
        pod('red', P.proxy.pod, 'worker-a', [{ name: 'proxy' }], uid(1)),
        pod('red', P.frontendGhi.pod, 'worker-a', [{ name: 'stateless-lb' }], uid(2)),
        pod('red', P.target.pod, 'worker-a', [{ name: 'example-target' }, { name: 'tapa' }], uid(3)),
      ],
      nodes: guideNodes(),
      exec: async () => ({ failure: 'not used' }),
    });
    const url = await peer.start();
    writeFileSync(join(work, 'kc-nl'), peer.kubeconfig(url));
    return await measure(peer, join(work, 'kc-nl'), 'node-local');
  } finally {
    await vpp?.stop();
    await peer?.stop();
    processes.stop();
    topology.destroy();
  }
}
