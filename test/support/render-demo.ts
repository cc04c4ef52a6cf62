import pino from 'pino';
import { parseCli } from '../../src/config/config.ts';
import { PodCollection } from '../../src/cycle/pod-collection.ts';
import { VppCollection } from '../../src/cycle/vpp-collection.ts';
import { correlatePath } from '../../src/path/correlate.ts';
import { renderPathMetricParts } from '../../src/path/path-metrics.ts';
import { renderPodParts } from '../../src/render/pod-renderer.ts';
import { VppRenderer } from '../../src/render/vpp-renderer.ts';
import type { PodSnapshot } from '../../src/snapshot/pod-snapshot.ts';
import type { VppSnapshot } from '../../src/snapshot/vpp-snapshot.ts';
import { ReplaySource } from '../../src/sources/replay.ts';
import { ReplayPodSource } from '../../src/sources/replay-pods.ts';
import { DEMO } from './fixtures.ts';

export interface DemoSnapshots {
  vpp: VppSnapshot;
  pods: PodSnapshot[];
}

/**
 * One cycle's snapshots of a demo node, or of a copy of it in `dir` (a test's broken variant), read
 * with the exporter's own collections.
 */
export async function collectDemo(
  node: 'worker-a' | 'worker-b',
  dir = `${DEMO}${node}`,
): Promise<DemoSnapshots> {
  const logger = pino({ level: 'silent' });
  const request = parseCli(['--demo', node], {});
  const book = request.kind === 'run' ? request.config.nodeByAddress : undefined;
  const collection = new VppCollection(new ReplaySource(dir), {
    node,
    forwarder: `forwarder-vpp-${node}`,
    ...(book && { nodeByAddress: () => book }),
    commandTimeoutMs: 5000,
    stateIntervalMs: 60_000,
    logger,
  });
  const pods = new PodCollection(new ReplayPodSource(dir), {
    node,
    commandTimeoutMs: 5000,
    includeLocal: false,
    logger,
  });
  return {
    vpp: await collection.collect(Date.now() + 10_000),
    pods: await pods.collect(Date.now() + 10_000),
  };
}

/** The data families of one demo node (VPP, its Meridio pods, the path), as the exporter renders them (no self metrics). */
export async function renderDemoData(node: 'worker-a' | 'worker-b'): Promise<string> {
  const { vpp, pods } = await collectDemo(node);
  // Joined as the cycle joins them.
  return Buffer.concat([
    ...(await new VppRenderer().renderParts(vpp)),
    ...(await renderPodParts(pods)),
    ...renderPathMetricParts(correlatePath({ node, vpp, pods })),
  ]).toString('utf8');
}

export const GOLDEN = (node: string) => new URL(`../golden/${node}.prom`, import.meta.url);
