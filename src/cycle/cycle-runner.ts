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

  constructor(
    private readonly sources: { vpp?: VppCollection; pods?: PodCollection },
    private readonly selfMetrics: SelfMetrics,
    private readonly publish: PublishExposition,
    private readonly logger: Logger,
    /** Time budget of one cycle; commands still to run when it is spent fail with `timeout`. */
    private readonly cycleBudgetMs: number,
    /** The node name the path graph is built for. */
    private readonly node: string,
    /**
     * How long a nexthop, cross-connect or bridge port that is gone stays on the path as down, and how
     * long a target's MAC must be missing from the proxy's FDB to show as a down link (0: never).
     */
    windows: { goneMs: number; fdbMissingMs: number } = { goneMs: 0, fdbMissingMs: 0 },
    /** False while the node's pod list is not known (cluster discovery not synced yet). */
    private readonly podsKnown: () => boolean = () => true,
    /** The VIPs Meridio's resources give each `<namespace>/<trench>/<conduit>` (cluster mode, when its CRDs exist). */
    private readonly expectedVips: () => ReadonlyMap<string, readonly string[]> | undefined = () => undefined,
  ) {
    this.gone = new GoneLinks(windows.goneMs);
    this.missingFdb = new MissingFdb(windows.fdbMissingMs);
  }

  private readonly gone: GoneLinks;
  private readonly missingFdb: MissingFdb;

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
    const deadline = Date.now() + this.cycleBudgetMs;
    const [snapshot, pods] = await Promise.all([
      this.sources.vpp?.collect(deadline),
      this.sources.pods?.collect(deadline) ?? Promise.resolve([]),
    ]);
    // Every renderer hands back byte ranges; the one copy is the concat below.
    const parts: Buffer[] = [];
    const expected = this.expectedVips();
    // Scrapes that arrived while reading are answered before the correlation and between the renderers.
    await yieldToEventLoop();
    const graph = correlatePath({
      node: this.node,
      ...(snapshot && { vpp: snapshot }),
      pods,
      ...(this.lastGraph && { previousTraffic: trafficOf(this.lastGraph) }),
      gone: this.gone,
      missingFdb: this.missingFdb,
      ...(expected && { expectedVips: expected }),
      podsKnown: this.podsKnown(),
    });
    if (snapshot) {
      parts.push(...(await this.renderer.renderParts(snapshot)));
      for (const status of snapshot.commands) {
        this.selfMetrics.observeCommand({ source: 'vpp', forwarder: snapshot.forwarder }, status);
      }
    }
    if (this.sources.pods) {
      parts.push(...(await renderPodParts(pods)));
      for (const pod of pods) {
        const owner = { source: 'pod', namespace: pod.target.namespace, pod: pod.target.pod } as const;
        for (const status of pod.commands) this.selfMetrics.observeCommand(owner, status);
      }
    }
    this.selfMetrics.sweepCommandSeries();
    await yieldToEventLoop();
    parts.push(...renderPathMetricParts(graph));
    const seconds = (performance.now() - t0) / 1000;
    this.selfMetrics.observeCycle(seconds);
    parts.push(Buffer.from(await this.selfMetrics.render()));
    const collected = Buffer.concat(parts);
    // Read before publishing: a worker hands the bytes' memory over to the serving thread.
    const bytes = collected.length;
    await this.publish(collected);
    if (snapshot) this.lastSnapshot = snapshot;
    this.lastPods = pods;
    this.lastGraph = graph;
    this.completedCycles++;
    this.logger.debug({ seconds, bytes, pods: pods.length }, 'collection cycle done');
    const result: CycleResult = { pods, graph, seconds, bytes };
    if (snapshot) result.snapshot = snapshot;
    return result;
  }
}
