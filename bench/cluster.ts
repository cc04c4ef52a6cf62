// Cluster modes: API requests and cycle time per mode, against the Kubernetes API test peer with the
// guide's worker-a (forwarder + proxy + frontend + target). Root only for node-local (cgroups, netns).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCycle, startTestExporter } from '../test/support/exporter.ts';
import { demoRecording, FakeContainerTools, guideNodes, guidePods } from '../test/support/guide-cluster.ts';
import { KubeApiPeer } from '../test/support/kube-api-peer.ts';
import { NodeLocalNode } from '../test/support/node-local-node.ts';
import { freePort } from '../test/support/prometheus.ts';
import { residentMb, startCompiledExporter } from './compiled-exporter.ts';

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
  for (let i = 0; i < CYCLES; i++) times.push((await runCycle(exporter)).seconds * 1000);
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
    const rss = await compiledExecRss(join(work, 'kc'));
    await peer.stop();
    if (process.getuid?.() === 0) console.log(await nodeLocal());
    else console.log('| node-local | (needs root: cgroups and network namespaces) | | | |');
    console.log(
      `\nCompiled exporter in exec mode (the Kubernetes client loaded), after 20 s of cycles: RSS ${rss.rss.toFixed(0)} MB = ${rss.anon.toFixed(0)} MB anonymous + ${rss.file.toFixed(0)} MB file-backed.`,
    );
  } finally {
    tools.remove();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '\nexec: each exec is a WebSocket through the API server to the kubelet; here the peer runs a real sh with recorded tools on loopback, so a real cluster adds its API-server/kubelet latency per exec (4 per cycle, run 4 at a time for pods). node-local: no API request per cycle; VPP over its socket, pods through nsenter + ip -batch.',
  );
}

/** RSS of `dist/main.js` in exec mode against the peer, run as the Dockerfile runs it. */
async function compiledExecRss(kubeconfig: string): Promise<{ rss: number; anon: number; file: number }> {
  const child = startCompiledExporter([
    '--kube.mode=exec',
    `--kubeconfig=${kubeconfig}`,
    '--node=worker-a',
    `--web.listen-address=127.0.0.1:${await freePort()}`,
  ]);
  try {
    await new Promise((r) => setTimeout(r, 20_000));
    return residentMb(child.pid as number);
  } finally {
    child.kill('SIGTERM');
  }
}

async function nodeLocal(): Promise<string> {
  const node = new NodeLocalNode(`mpeb${process.pid}`);
  try {
    await node.start();
    return await measure(node.peer as KubeApiPeer, node.kubeconfig, 'node-local');
  } finally {
    await node.stop();
  }
}
