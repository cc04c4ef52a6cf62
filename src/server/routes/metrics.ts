import type { FastifyPluginAsync } from 'fastify';
import type { ExpositionCache } from '../../exposition/exposition-cache.ts';
import { serveExposition } from '../scrape-handler.ts';

/**
 * The telemetry path as a fastify route. A listening server answers scrapes before fastify routes them
 * (app.ts); this route serves the same function for `inject()` and keeps the path in fastify's table.
 */
export const metricsRoute: FastifyPluginAsync<{ cache: ExpositionCache; path: string }> = async (
  app,
  opts,
) => {
  app.get(opts.path, (request, reply) => {
    reply.hijack();
    serveExposition(request.raw, reply.raw, opts.cache);
  });
};
