import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';
import type { PathGraph } from '../path/graph.ts';
import { metricsRoute } from './routes/metrics.ts';
import { pathRoutes } from './routes/path.ts';
import { probeRoutes } from './routes/probes.ts';
import { isScrape, serveExposition } from './scrape-handler.ts';
import type { WebSecurity } from './web-config/web-security.ts';

const CONNECTION_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** fastify's own default, kept now that the server is ours. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

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
  /** Shown above the path diagram, e.g. that the data is a recording. */
  banner?: string;
  /** TLS, basic auth and headers of `--web.config.file`. */
  security?: WebSecurity;
}

/** The HTTP side: serves what the cycles rendered, never collects. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A scrape every few seconds is not worth a log line each.
    logController: new LogController({ disableRequestLogging: true }),
    // Scrapes skip fastify's routing: at 1,000 interfaces 11-24 % more requests per second under load
    // and a lower tail (DESIGN.md). Everything else goes through fastify.
    serverFactory: (handler) => {
      const route = (req: IncomingMessage, res: ServerResponse) => {
        if (isScrape(req, deps.telemetryPath)) serveExposition(req, res, deps.cache);
        else handler(req, res);
      };
      const server = serve(route, deps.security, deps.logger);
      // What fastify sets on a server it creates itself.
      server.setTimeout(CONNECTION_TIMEOUT_MS);
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      // Node hands CONNECT to a 'connect' listener and drops the socket without one: answer instead.
      server.on('connect', (_req, socket) => {
        socket.end(
          'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
      });
      return server;
    },
  });
  await app.register(metricsRoute, { cache: deps.cache, path: deps.telemetryPath });
  await app.register(probeRoutes, { ready: deps.ready });
  await app.register(pathRoutes, {
    graph: deps.graph,
    telemetryPath: deps.telemetryPath,
    refreshSeconds: deps.refreshSeconds,
    ...(deps.banner && { banner: deps.banner }),
  });
  return app;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Plain HTTP, or HTTPS and basic auth as the web configuration says. */
function serve(route: Listener, security: WebSecurity | undefined, logger: Logger): Server {
  if (!security) return createServer(route);
  const guarded: Listener = (req, res) => {
    security.admit(req, res).then(
      (admitted) => {
        if (admitted) route(req, res);
      },
      (err: unknown) => {
        logger.error({ err }, 'checking credentials failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  };
  const tls = security.tlsOptions();
  if (!tls) return createServer(guarded);
  const server = createHttpsServer(tls, guarded);
  security.attach(server);
  // An https.Server is an http.Server for everything fastify and the shutdown use.
  return server as unknown as Server;
}
