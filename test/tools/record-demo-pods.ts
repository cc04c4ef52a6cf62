// Records the demo's pod outputs (demo/<node>/pods/…) from the guide's topology built on real network
// namespaces (root only), through the same netns source the exporter uses. Run: npx tsx test/tools/record-demo-pods.ts

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_ROOT } from '../../src/config/config.ts';
import { NetnsPodSource } from '../../src/sources/netns.ts';
import { commandsOfForm, podCommandSlug } from '../../src/sources/pod-commands.ts';
import { GuideTopology, type TopologyPod } from '../support/netns-topology.ts';

const topology = new GuideTopology(`mpe${process.pid}-rec`);
const version = execFileSync('ip', ['-V'], { encoding: 'utf8' }).trim();
const onNode: [string, TopologyPod][] = [
  ['worker-a', topology.pods.proxy],
  ['worker-a', topology.pods.frontendGhi],
  ['worker-a', topology.pods.target],
  ['worker-b', topology.pods.frontendJkl],
];
try {
  topology.create();
  for (const node of ['worker-a', 'worker-b'])
    rmSync(join(DEMO_ROOT, node, 'pods'), { recursive: true, force: true });
  for (const [node, p] of onNode) {
    const target = { namespace: p.namespace, pod: p.pod, netns: topology.path(p) };
    const source = new NetnsPodSource({ pods: [target] });
    const commands = commandsOfForm('json');
    const results = await source.run(target, commands, 10_000);
    const dir = join(DEMO_ROOT, node, 'pods', p.namespace, p.pod);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pod.json'), `${JSON.stringify({ role: p.role })}\n`);
    commands.forEach((c, i) => {
      const r = results[i];
      if (r?.kind !== 'text') throw new Error(`${p.pod}: ${c.id} failed: ${JSON.stringify(r)}`);
      const header = [
        `# ${c.id} in ${p.pod}: recorded by test/tools/record-demo-pods.ts on network namespaces that`,
        `# reproduce the guide's proxy section (names, MACs, addresses); ${version}`,
      ].join('\n');
      writeFileSync(join(dir, `${podCommandSlug(c.id)}.txt`), `${header}\n${r.text}`);
    });
    console.log(`recorded ${node}/${p.namespace}/${p.pod}`);
  }
} finally {
  topology.destroy();
}
