import pino from 'pino';
import { parseCli } from '../../src/config/config.ts';
import { PodCollection } from '../../src/cycle/pod-collection.ts';
import { VppCollection } from '../../src/cycle/vpp-collection.ts';
import { renderPods } from '../../src/exposition/pod-renderer.ts';
import { VppRenderer } from '../../src/exposition/vpp-renderer.ts';
import { ReplaySource } from '../../src/sources/replay.ts';
import { ReplayPodSource } from '../../src/sources/replay-pods.ts';
import { DEMO } from './fixtures.ts';

/** The data families of one demo node (VPP, then its Meridio pods), as the exporter renders them (no self metrics). */
export async function renderDemoData(node: 'worker-a' | 'worker-b'): Promise<string> {
  const logger = pino({ level: 'silent' });
  const request = parseCli(['--demo', node], {});
  const book = request.kind === 'run' ? request.config.nodeByAddress : undefined;
  const collection = new VppCollection(new ReplaySource(`${DEMO}${node}`), {
    node,
    forwarder: `forwarder-vpp-${node}`,
    ...(book && { nodeByAddress: () => book }),
    commandTimeoutMs: 5000,
    stateIntervalMs: 60_000,
    logger,
  });
  const pods = new PodCollection(new ReplayPodSource(`${DEMO}${node}`), {
    node,
    commandTimeoutMs: 5000,
    includeLocal: false,
    logger,
  });
  const snapshot = await collection.collect(Date.now() + 10_000);
  const vpp = await new VppRenderer().render(snapshot);
  const podBytes = await renderPods(await pods.collect(Date.now() + 10_000));
  return Buffer.concat([vpp, podBytes]).toString('utf8');
}

export const GOLDEN = (node: string) => new URL(`../golden/${node}.prom`, import.meta.url);
