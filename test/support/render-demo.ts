import pino from 'pino';
import { VppCollection } from '../../src/cycle/vpp-collection.ts';
import { VppRenderer } from '../../src/exposition/vpp-renderer.ts';
import { ReplaySource } from '../../src/sources/replay.ts';
import { DEMO } from './fixtures.ts';

/** The data families of one demo node, rendered as the exporter renders them (no self metrics). */
export async function renderDemoData(node: 'worker-a' | 'worker-b'): Promise<string> {
  const collection = new VppCollection(new ReplaySource(`${DEMO}${node}`), {
    node,
    forwarder: `forwarder-vpp-${node}`,
    commandTimeoutMs: 5000,
    stateIntervalMs: 60_000,
    logger: pino({ level: 'silent' }),
  });
  const snapshot = await collection.collect(Date.now() + 10_000);
  return (await new VppRenderer().render(snapshot)).toString('utf8');
}

export const GOLDEN = (node: string) => new URL(`../golden/${node}.prom`, import.meta.url);
