import type { FastifyPluginAsync } from 'fastify';
import type { PathGraph } from '../../path/graph.ts';
import { renderPathPage } from '../page/path-page.ts';
import { renderPathSvg } from '../page/path-svg.ts';

export interface PathRouteOptions {
  graph: () => PathGraph | undefined;
  telemetryPath: string;
  /** How often the page fetches the diagram again; `?refresh=N` overrides it. */
  refreshSeconds: number;
  /** Shown above the diagram, e.g. that the data is a recording. */
  banner?: string;
}

const NOT_YET = { error: 'no collection cycle has completed yet' };
export const MIN_REFRESH_SECONDS = 5;
export const MAX_REFRESH_SECONDS = 3600;

/** The path as JSON (`/api/v1/path`), as SVG (`/path.svg`) and as the page at `/`. */
export const pathRoutes: FastifyPluginAsync<PathRouteOptions> = async (app, opts) => {
  app.get('/api/v1/path', async (_request, reply) => {
    const graph = opts.graph();
    if (!graph) return reply.code(503).send(NOT_YET);
    return graph;
  });
  // One drawing per cycle's graph, however many pages poll it.
  let drawn: { graph: PathGraph; svg: string } | undefined;
  app.get('/path.svg', async (_request, reply) => {
    const graph = opts.graph();
    if (!graph) return reply.code(503).send(NOT_YET);
    if (drawn?.graph !== graph) drawn = { graph, svg: renderPathSvg(graph) };
    reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-store');
    return drawn.svg;
  });
  app.get<{ Querystring: { refresh?: string } }>('/', async (request, reply) => {
    const asked = Number(request.query.refresh);
    // Clamped: a tiny value would make every open page poll the agent many times a second.
    const refreshSeconds = Number.isFinite(asked)
      ? Math.min(MAX_REFRESH_SECONDS, Math.max(MIN_REFRESH_SECONDS, asked))
      : opts.refreshSeconds;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return renderPathPage(opts.graph(), {
      telemetryPath: opts.telemetryPath,
      refreshSeconds,
      ...(opts.banner && { banner: opts.banner }),
    });
  });
};
