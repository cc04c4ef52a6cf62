import type { Logger } from 'pino';
import type { SelfMetrics } from '../exposition/self-metrics.ts';
import { correlatePath, trafficOf } from '../path/correlate.ts';
import { GoneLinks } from '../path/gone-links.ts';
import type { PathGraph } from '../path/graph.ts';
import { MissingFdb } from '../path/missing-fdb.ts';
import { renderPathMetricParts } from '../path/path-metrics.ts';
import { renderPodParts } from '../render/pod-renderer.ts';
import { VppRenderer } from '../render/vpp-renderer.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import type { VppSnapshot } from '../snapshot/vpp-snapshot.ts';
import { yieldToEventLoop } from '../util/yield.ts';
import type { PodCollection } from './pod-collection.ts';
import type { VppCollection } from './vpp-collection.ts';

export interface CycleResult {
  /** What VPP said; absent when this exporter does not read VPP. */
  snapshot?: VppSnapshot;
  pods: PodSnapshot[];
  /** The traffic path correlated from this cycle's snapshots. */
  graph: PathGraph;
  seconds: number;
  bytes: number;
}

/** Hands one cycle's rendered exposition to the serving side (which serves the previous one until then). */
export type PublishExposition = (collected: Buffer) => Promise<void>;

export interface CycleRunnerOptions {
  vpp?: VppCollection;
  pods?: PodCollection;
  selfMetrics: SelfMetrics;
  publish: PublishExposition;
  logger: Logger;
  /** The node name the path graph is built for. */
  node: string;
  /** Time budget of one cycle; commands still to run when it is spent fail with `timeout`. */
  cycleBudgetMs: number;
  /** How long a nexthop, cross-connect or bridge port that is gone stays on the path as down (0: never). */
  goneMs?: number;
  /** How long a target's MAC must be missing from the proxy's FDB to show as a down link (0: never). */
  fdbMissingMs?: number;
  /** False while the node's pod list is not known (cluster discovery not synced yet). */
  podsKnown?: () => boolean;
  /** The VIPs Meridio's resources give each `<namespace>/<trench>/<conduit>` (cluster mode, when its CRDs exist). */
  expectedVips?: () => ReadonlyMap<string, readonly string[]> | undefined;
}

/**
 * One collection cycle: read VPP and the Meridio pods (at the same time: they are different
 * processes), parse into snapshots, render the exposition once, publish it. The previous exposition
 * stays served until the new one is complete.
 */
export class CycleRunner {
  private lastSnapshot?: VppSnapshot;
  private lastPods: PodSnapshot[] = [];
  private lastGraph?: PathGraph;
  private completedCycles = 0;
  private readonly renderer = new VppRenderer();

  private readonly gone: GoneLinks;
  private readonly missingFdb: MissingFdb;

  constructor(private readonly options: CycleRunnerOptions) {
    this.gone = new GoneLinks(options.goneMs ?? 0);
    this.missingFdb = new MissingFdb(options.fdbMissingMs ?? 0);
  }

  get snapshot(): VppSnapshot | undefined {
    return this.lastSnapshot;
  }

  get pods(): readonly PodSnapshot[] {
    return this.lastPods;
  }

  /** The last cycle's traffic path; undefined before the first cycle. */
  get graph(): PathGraph | undefined {
    return this.lastGraph;
  }

  get cycles(): number {
    return this.completedCycles;
  }

  async runCycle(): Promise<CycleResult> {
    const t0 = performance.now();
    const deadline = Date.now() + this.options.cycleBudgetMs;
    const [snapshot, pods] = await Promise.all([
      this.options.vpp?.collect(deadline),
      this.options.pods?.collect(deadline) ?? Promise.resolve([]),
    ]);
    // Every renderer hands back byte ranges; the one copy is the concat below.
    const parts: Buffer[] = [];
    const expected = this.options.expectedVips?.();
    // Scrapes that arrived while reading are answered before the correlation and between the renderers.
    await yieldToEventLoop();
    const graph = correlatePath({
      node: this.options.node,
      ...(snapshot && { vpp: snapshot }),
      pods,
      ...(this.lastGraph && { previousTraffic: trafficOf(this.lastGraph) }),
      gone: this.gone,
      missingFdb: this.missingFdb,
      ...(expected && { expectedVips: expected }),
      podsKnown: this.options.podsKnown?.() ?? true,
    });
    if (snapshot) {
      parts.push(...(await this.renderer.renderParts(snapshot)));
      for (const status of snapshot.commands) {
        this.options.selfMetrics.observeCommand({ source: 'vpp', forwarder: snapshot.forwarder }, status);
      }
    }
    if (this.options.pods) {
      parts.push(...(await renderPodParts(pods)));
      for (const pod of pods) {
        const owner = { source: 'pod', namespace: pod.target.namespace, pod: pod.target.pod } as const;
        for (const status of pod.commands) this.options.selfMetrics.observeCommand(owner, status);
      }
    }
    this.options.selfMetrics.sweepCommandSeries();
    await yieldToEventLoop();
    parts.push(...renderPathMetricParts(graph));
    const seconds = (performance.now() - t0) / 1000;
    this.options.selfMetrics.observeCycle(seconds);
    parts.push(Buffer.from(await this.options.selfMetrics.render()));
    const collected = Buffer.concat(parts);
    // Read before publishing: a worker hands the bytes' memory over to the serving thread.
    const bytes = collected.length;
    await this.options.publish(collected);
    if (snapshot) this.lastSnapshot = snapshot;
    this.lastPods = pods;
    this.lastGraph = graph;
    this.completedCycles++;
    this.options.logger.debug({ seconds, bytes, pods: pods.length }, 'collection cycle done');
    const result: CycleResult = { pods, graph, seconds, bytes };
    if (snapshot) result.snapshot = snapshot;
    return result;
  }
}
