import type { FastifyPluginAsync } from 'fastify';
import type { ExpositionCache } from '../../exposition/exposition-cache.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Serves the last rendered exposition from memory, gzipped when the client accepts it. */
export const metricsRoute: FastifyPluginAsync<{ cache: ExpositionCache; path: string }> = async (
  app,
  opts,
) => {
  app.get(opts.path, async (request, reply) => {
    const current = opts.cache.get();
    if (!current) {
      reply.code(503).type('text/plain; charset=utf-8');
      return 'no collection cycle has completed yet\n';
    }
    reply.header('content-type', CONTENT_TYPE).header('vary', 'accept-encoding');
    if (acceptsGzip(request.headers['accept-encoding'])) {
      reply.header('content-encoding', 'gzip');
      return current.gzip;
    }
    return current.text;
  });
};

/** True unless gzip is absent or refused with q=0. */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of value.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
