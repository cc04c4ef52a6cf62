import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';
import { landingRoute } from './routes/landing.ts';
import { metricsRoute } from './routes/metrics.ts';
import { probeRoutes } from './routes/probes.ts';

export interface AppDeps {
  cache: ExpositionCache;
  telemetryPath: string;
  logger: Logger;
  /** Whether a collection cycle has completed (readiness). */
  ready: () => boolean;
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
  await app.register(landingRoute, { telemetryPath: deps.telemetryPath });
  return app;
}
