import type { FastifyPluginAsync } from 'fastify';

/** `/healthz`: the process serves HTTP. `/readyz`: a collection cycle has completed. */
export const probeRoutes: FastifyPluginAsync<{ ready: () => boolean }> = async (app, opts) => {
  app.get('/healthz', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return 'ok\n';
  });
  app.get('/readyz', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    if (opts.ready()) return 'ready\n';
    reply.code(503);
    return 'no collection cycle has completed yet\n';
  });
};
