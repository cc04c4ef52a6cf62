import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';
import type { PathGraph } from '../path/graph.ts';
import { metricsRoute } from './routes/metrics.ts';
import { pathRoutes } from './routes/path.ts';
import { probeRoutes } from './routes/probes.ts';

export interface AppDeps {
  cache: ExpositionCache;
  telemetryPath: string;
  logger: Logger;
  /** Whether a collection cycle has completed (readiness). */
  ready: () => boolean;
  /** The last cycle's traffic path. */
  graph: () => PathGraph | undefined;
  /** How often the page at `/` refreshes its diagram (the collection interval). */
  refreshSeconds: number;
}

/** The HTTP side: serves what the cycles rendered, never collects. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A scrape every few seconds is not worth a log line each.
    logController: new LogController({ disableRequestLogging: true }),
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  });
  await app.register(metricsRoute, { cache: deps.cache, path: deps.telemetryPath });
  await app.register(probeRoutes, { ready: deps.ready });
  await app.register(pathRoutes, {
    graph: deps.graph,
    telemetryPath: deps.telemetryPath,
    refreshSeconds: deps.refreshSeconds,
  });
  return app;
}
