import type { Logger } from 'pino';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';
import type { SelfMetrics } from '../exposition/self-metrics.ts';
import { VppRenderer } from '../exposition/vpp-renderer.ts';
import type { VppSnapshot } from '../snapshot/vpp-snapshot.ts';
import type { VppCollection } from './vpp-collection.ts';

export interface CycleResult {
  snapshot: VppSnapshot;
  seconds: number;
  bytes: number;
}

/**
 * One collection cycle: read, parse into a snapshot, render the exposition once, publish it. The
 * previous exposition stays served until the new one is complete.
 */
export class CycleRunner {
  private lastSnapshot?: VppSnapshot;
  private completedCycles = 0;
  private readonly renderer = new VppRenderer();

  constructor(
    private readonly vpp: VppCollection,
    private readonly selfMetrics: SelfMetrics,
    private readonly cache: ExpositionCache,
    private readonly logger: Logger,
    /** Time budget of one cycle; commands still to run when it is spent fail with `timeout`. */
    private readonly cycleBudgetMs: number,
  ) {}

  get snapshot(): VppSnapshot | undefined {
    return this.lastSnapshot;
  }

  get cycles(): number {
    return this.completedCycles;
  }

  async runCycle(): Promise<CycleResult> {
    const t0 = performance.now();
    const snapshot = await this.vpp.collect(Date.now() + this.cycleBudgetMs);
    const data = await this.renderer.render(snapshot);
    for (const status of snapshot.commands) {
      this.selfMetrics.observeCommand('vpp', snapshot.forwarder, status);
    }
    const seconds = (performance.now() - t0) / 1000;
    this.selfMetrics.observeCycle(seconds);
    const text = Buffer.concat([data, Buffer.from(await this.selfMetrics.render())]);
    const rendered = await this.cache.publish(text);
    this.lastSnapshot = snapshot;
    this.completedCycles++;
    this.logger.debug({ seconds, bytes: rendered.text.length }, 'collection cycle done');
    return { snapshot, seconds, bytes: rendered.text.length };
  }
}
