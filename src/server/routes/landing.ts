import type { FastifyPluginAsync } from 'fastify';
import { PACKAGE_VERSION } from '../../util/package-info.ts';

/** A plain landing page with links, as exporters conventionally serve at `/`. */
export const landingRoute: FastifyPluginAsync<{ telemetryPath: string }> = async (app, opts) => {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>meridio-path-exporter</title></head>
<body><h1>meridio-path-exporter ${PACKAGE_VERSION}</h1>
<ul><li><a href="${opts.telemetryPath}">Metrics</a></li><li><a href="/healthz">Health</a></li><li><a href="/readyz">Readiness</a></li></ul>
</body></html>
`;
  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return page;
  });
};
