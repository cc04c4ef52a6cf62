import type { FastifyPluginAsync } from 'fastify';
import type { PathGraph } from '../../path/graph.ts';
import { renderPathPage } from '../page/path-page.ts';
import { renderPathSvg } from '../page/path-svg.ts';

export interface PathRouteOptions {
  graph: () => PathGraph | undefined;
  telemetryPath: string;
  /** How often the page fetches the diagram again; `?refresh=N` overrides it. */
  refreshSeconds: number;
}

const NOT_YET = { error: 'no collection cycle has completed yet' };

/** The path as JSON (`/api/v1/path`), as SVG (`/path.svg`) and as the page at `/`. */
export const pathRoutes: FastifyPluginAsync<PathRouteOptions> = async (app, opts) => {
  app.get('/api/v1/path', async (_request, reply) => {
    const graph = opts.graph();
    if (!graph) return reply.code(503).send(NOT_YET);
    return graph;
  });
  app.get('/path.svg', async (_request, reply) => {
    const graph = opts.graph();
    if (!graph) return reply.code(503).send(NOT_YET);
    reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-store');
    return renderPathSvg(graph);
  });
  app.get<{ Querystring: { refresh?: string } }>('/', async (request, reply) => {
    const asked = Number(request.query.refresh);
    const refreshSeconds = Number.isFinite(asked) && asked >= 1 ? asked : opts.refreshSeconds;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return renderPathPage(opts.graph(), { telemetryPath: opts.telemetryPath, refreshSeconds });
  });
};
