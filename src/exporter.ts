import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import { CycleRunner } from './cycle/cycle-runner.ts';
import { CycleScheduler, cronExpression } from './cycle/scheduler.ts';
import { VppCollection } from './cycle/vpp-collection.ts';
import { ExpositionCache } from './exposition/exposition-cache.ts';
import { SelfMetrics } from './exposition/self-metrics.ts';
import { buildApp } from './server/app.ts';
import type { VppSource } from './sources/command-source.ts';
import { ReplaySource } from './sources/replay.ts';
import { VppCliSocketSource } from './sources/vpp-cli/vpp-cli-socket.ts';

export interface RunningExporter {
  app: FastifyInstance;
  runner: CycleRunner;
  scheduler: CycleScheduler;
  /** Where the server listens, e.g. `http://127.0.0.1:9847`. */
  url: string;
  stop(): Promise<void>;
}

export function createSource(config: Config): VppSource {
  return config.source.kind === 'replay'
    ? new ReplaySource(config.source.dir)
    : new VppCliSocketSource({ socketPath: config.source.socketPath });
}

/** Wire the layers together, serve HTTP, run the first cycle now and the rest on the schedule. */
export async function startExporter(
  config: Config,
  logger: Logger,
  options: { schedule?: boolean; processMetrics?: boolean } = {},
): Promise<RunningExporter> {
  const source = createSource(config);
  const cache = new ExpositionCache();
  const selfMetrics = new SelfMetrics(config.node, { processMetrics: options.processMetrics ?? true });
  const vpp = new VppCollection(source, {
    node: config.node,
    forwarder: config.forwarder,
    commandTimeoutMs: config.commandTimeoutMs,
    stateIntervalMs: config.stateIntervalMs,
    logger,
  });
  // Leave a tenth of the interval so a slow cycle ends before the next tick is due.
  const runner = new CycleRunner(vpp, selfMetrics, cache, logger, config.intervalSeconds * 900);
  const expression = cronExpression(config.intervalSeconds, config.node);
  const scheduler = new CycleScheduler(expression, () => runner.runCycle(), logger);
  const app = await buildApp({
    cache,
    telemetryPath: config.telemetryPath,
    logger,
    ready: () => runner.cycles > 0,
  });
  const url = await app.listen({ host: config.listenHost, port: config.listenPort });
  logger.info(
    { url, source: source.kind, location: source.location, node: config.node, schedule: expression },
    'meridio-path-exporter listening',
  );
  await scheduler.runNow();
  if (options.schedule !== false) await scheduler.start();
  return {
    app,
    runner,
    scheduler,
    url,
    async stop() {
      await scheduler.stop();
      await app.close();
    },
  };
}
