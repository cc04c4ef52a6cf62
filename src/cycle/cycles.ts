import type { Logger } from 'pino';
import { type Config, cycleBudgetMs } from '../config/config.ts';
import { SelfMetrics } from '../exposition/self-metrics.ts';
import type { PathGraph } from '../path/graph.ts';
import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';
import type { PodTarget } from '../sources/pod-source.ts';
import type { SourceDescription } from './chosen-sources.ts';
import { closeCollections, createCollections } from './collections.ts';
import { type CycleResult, CycleRunner, type PublishExposition } from './cycle-runner.ts';
import { CycleScheduler, cronExpression } from './scheduler.ts';

/** What one cycle did, as the serving side and the tests see it. */
export interface CycleSummary {
  graph: PathGraph;
  seconds: number;
  /** Bytes of the collection's exposition (the serving side adds its own metrics). */
  bytes: number;
  /** VPP's commands this cycle; absent when this exporter does not read VPP. */
  vppCommands?: CommandStatus[];
  pods: { target: PodTarget; commands: CommandStatus[] }[];
}

export function summarize(result: CycleResult): CycleSummary {
  return {
    graph: result.graph,
    seconds: result.seconds,
    bytes: result.bytes,
    ...(result.snapshot && { vppCommands: result.snapshot.commands }),
    pods: result.pods.map((p) => ({ target: p.target, commands: p.commands })),
  };
}

/**
 * The collecting side as the serving side sees it: cycles on a schedule, the last traffic path, and
 * whether the node's pods are known. Each cycle's exposition is handed over through `publish`.
 */
export interface Cycles {
  readonly description: SourceDescription;
  /** The cron expression cycles run on. */
  readonly schedule: string;
  /** Cycles completed. */
  readonly completed: number;
  /** The last cycle's traffic path; undefined before the first cycle. */
  readonly graph: PathGraph | undefined;
  /** What the last cycle did; undefined before the first cycle and after a failed one. */
  readonly last: CycleSummary | undefined;
  /** False while cluster discovery does not have the node's pod list. */
  readonly podsKnown: boolean;
  /** Run a cycle now (or join the one running); undefined when it failed (the failure is logged). */
  runCycle(): Promise<CycleSummary | undefined>;
  /** Start the schedule. */
  start(): Promise<void>;
  /** Stop the schedule, wait for a running cycle, close discovery. */
  stop(): Promise<void>;
}

export interface CyclesOptions {
  discoveryWaitMs?: number;
  /** Called after every cycle, scheduled or asked for (undefined: the cycle failed). */
  onCycle?: (summary: CycleSummary | undefined) => void;
}

/**
 * Collection on the serving thread. A cycle yields to the event loop between its steps (each command's
 * parse, the correlation, each renderer), so a scrape waits for one step at most (DESIGN.md).
 */
export async function startCycles(
  config: Config,
  logger: Logger,
  publish: PublishExposition,
  options: CyclesOptions = {},
): Promise<Cycles> {
  const collections = await createCollections(config, logger, options.discoveryWaitMs);
  const { cluster, vpp, pods, description } = collections;
  const selfMetrics = new SelfMetrics(config.node, { source: description });
  const runner = new CycleRunner({
    ...(vpp && { vpp }),
    ...(pods && { pods }),
    selfMetrics,
    publish,
    logger,
    node: config.node,
    cycleBudgetMs: cycleBudgetMs(config),
    goneMs: config.goneWindowMs,
    fdbMissingMs: config.fdbMissingMs,
    podsKnown: () => cluster?.discovery.synced ?? true,
    expectedVips: () => cluster?.meridioVips.expected(),
  });
  const schedule = cronExpression(config.intervalSeconds, config.node);
  let last: CycleSummary | undefined;
  const scheduler = new CycleScheduler(
    schedule,
    async () => {
      if (cluster) {
        selfMetrics.observeDiscovery(cluster.discovery.synced, [
          ...cluster.discovery.failureCounts(),
          ...cluster.meridioVips.failureCounts(),
        ]);
      }
      try {
        last = summarize(await runner.runCycle());
        options.onCycle?.(last);
        return last;
      } catch (err) {
        last = undefined;
        options.onCycle?.(undefined);
        throw err;
      }
    },
    logger,
  );
  return {
    description,
    schedule,
    get completed() {
      return runner.cycles;
    },
    get graph() {
      return runner.graph;
    },
    get last() {
      return last;
    },
    get podsKnown() {
      return cluster?.discovery.synced ?? true;
    },
    async runCycle() {
      return (await scheduler.runNow()) as CycleSummary | undefined;
    },
    start: () => scheduler.start(),
    async stop() {
      await scheduler.stop();
      await closeCollections(collections);
    },
  };
}
