import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Config, ConfigError, cycleBudgetMs } from './config/config.ts';
import { closeCollections, createCollections } from './cycle/collections.ts';
import { CycleRunner } from './cycle/cycle-runner.ts';
import { type Cycles, startCycles } from './cycle/cycles.ts';
import { ExpositionCache } from './exposition/exposition-cache.ts';
import { SelfMetrics } from './exposition/self-metrics.ts';
import { ServingMetrics } from './exposition/serving-metrics.ts';
import type { PathGraph } from './path/graph.ts';
import { buildApp } from './server/app.ts';
import type { WebSecurity } from './server/web-config/web-security.ts';

/** How long open connections may finish their request after a shutdown starts. */
const CONNECTION_GRACE_MS = 500;

/**
 * Listens where configured. No host means every address of both families (`::`, which takes IPv4
 * too); on a node without IPv6 that falls back to every IPv4 address. A port in use is a
 * configuration error naming the flag, not a stack trace.
 */
async function listen(app: FastifyInstance, config: Config): Promise<string> {
  const flag = `--web.listen-address=${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
  const at = (host: string) =>
    app.listen({ host, port: config.listen.port, ...(host === '::' && { ipv6Only: false }) });
  try {
    if (config.listen.host !== '') return await at(config.listen.host);
    try {
      return await at('::');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw err;
      return await at('0.0.0.0');
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new ConfigError([`${flag}: port ${config.listen.port} is already in use`]);
    if (e.code === 'EACCES')
      throw new ConfigError([`${flag}: not allowed to listen on port ${config.listen.port}`]);
    if (e.code === 'EADDRNOTAVAIL')
      throw new ConfigError([`${flag}: this host has no address ${config.listen.host}`]);
    throw err;
  }
}

export interface RunningExporter {
  app: FastifyInstance;
  /** The collecting side: cycles on the schedule. */
  cycles: Cycles;
  /** Where the server listens, e.g. `http://127.0.0.1:9847`. */
  url: string;
  stop(): Promise<void>;
}

/** Read everything once, without serving: the `path` command's live mode. */
export async function collectPathOnce(config: Config, logger: Logger): Promise<PathGraph> {
  const collections = await createCollections(config, logger);
  const { vpp, pods } = collections;
  try {
    const runner = new CycleRunner({
      ...(vpp && { vpp }),
      ...(pods && { pods }),
      selfMetrics: new SelfMetrics(config.node),
      publish: async () => {},
      logger,
      node: config.node,
      cycleBudgetMs: cycleBudgetMs(config),
    });
    return (await runner.runCycle()).graph;
  } finally {
    await closeCollections(collections);
  }
}

/** The collecting side, and the serving side's metrics (process, web configuration) joined to each exposition. */
async function startCyclesWithServing(
  config: Config,
  logger: Logger,
  cache: ExpositionCache,
  options: { processMetrics?: boolean; discoveryWaitMs?: number },
): Promise<{ cycles: Cycles; serving: ServingMetrics; observeWebConfigReload: (ok: boolean) => void }> {
  const serving = new ServingMetrics(config.node, { processMetrics: options.processMetrics ?? true });
  let lastCollected: Buffer | undefined;
  // One publish at a time, so a reload's republish never lands after a newer cycle's exposition.
  let publishing: Promise<unknown> = Promise.resolve();
  const publish = (collected: Buffer): Promise<void> => {
    lastCollected = collected;
    const next = publishing.then(async () => {
      await cache.publish(await serving.appendTo(lastCollected ?? collected));
    });
    publishing = next.catch(() => {});
    return next;
  };
  const cycles = await startCycles(config, logger, publish, {
    ...(options.discoveryWaitMs !== undefined && { discoveryWaitMs: options.discoveryWaitMs }),
  });
  const observeWebConfigReload = (ok: boolean) => {
    serving.observeWebConfigReload(ok);
    // Shown at once, not at the next cycle: a refused reload is what an operator is waiting to see.
    if (lastCollected) {
      publish(lastCollected).catch((err: unknown) => logger.warn({ err }, 'cannot publish the exposition'));
    }
  };
  return { cycles, serving, observeWebConfigReload };
}

/** Wire the layers together, serve HTTP, run the first cycle now and the rest on the schedule. */
export async function startExporter(
  config: Config,
  logger: Logger,
  options: {
    schedule?: boolean;
    processMetrics?: boolean;
    discoveryWaitMs?: number;
    /** How often the web configuration's files are looked at for changes. */
    webConfigWatchMs?: number;
  } = {},
): Promise<RunningExporter> {
  // Checked before anything starts: a bad file is a configuration error (exit 2), like a bad flag.
  // Loaded only with a web configuration: its YAML parser costs 1-2 MB of RSS (bcrypt runs in a
  // thread of its own, started at the first login).
  const webConfigFile = config.webConfigFile;
  const web =
    webConfigFile === undefined
      ? undefined
      : {
          file: webConfigFile,
          read: (await import('./server/web-config/web-config-file.ts')).readWebConfig(webConfigFile),
          WebSecurity: (await import('./server/web-config/web-security.ts')).WebSecurity,
        };
  if (web && !web.read.ok) {
    throw new ConfigError(web.read.problems.map((p) => `--web.config.file: ${p}`));
  }
  const cache = new ExpositionCache();
  const { cycles, serving, observeWebConfigReload } = await startCyclesWithServing(
    config,
    logger,
    cache,
    options,
  );
  const where = cycles.description;
  const security: WebSecurity | undefined = web?.read.ok
    ? new web.WebSecurity(web.file, web.read.config, logger, observeWebConfigReload)
    : undefined;
  if (security) observeWebConfigReload(true);
  let app: FastifyInstance;
  let listened: string;
  try {
    app = await buildApp({
      cache,
      telemetryPath: config.telemetryPath,
      logger,
      ready: () => cycles.completed > 0 && cycles.podsKnown,
      graph: () => cycles.graph,
      refreshSeconds: config.intervalSeconds,
      ...(security && { security }),
      ...(where.recorded && {
        banner: `Recorded data (${where.vpp === 'none' ? where.pods : where.vpp}): outputs replayed every cycle, not a live node.`,
      }),
    });
    listened = await listen(app, config);
  } catch (err) {
    await cycles.stop();
    serving.stop();
    throw err;
  }
  // fastify names the scheme from its own options, which a server of ours does not set.
  const url = security?.tlsOptions() ? listened.replace(/^http:/, 'https:') : listened;
  security?.startWatching(options.webConfigWatchMs);
  logger.info(
    {
      url,
      vpp: where.vpp === 'none' ? 'not read' : where.vpp,
      pods: where.pods === 'none' ? 'not read' : where.pods,
      ...(config.cluster && { mode: config.cluster.mode }),
      node: config.node,
      schedule: cycles.schedule,
      ...(security && {
        webConfig: config.webConfigFile,
        tls: Boolean(security.tlsOptions()),
      }),
    },
    'meridio-path-exporter listening',
  );
  await cycles.runCycle();
  if (options.schedule !== false) await cycles.start();
  return {
    app,
    cycles,
    url,
    async stop() {
      security?.stopWatching();
      // Idle keep-alive connections go at once; one that holds a half-sent request gets a short grace.
      app.server.closeIdleConnections();
      const cut = setTimeout(() => app.server.closeAllConnections(), CONNECTION_GRACE_MS);
      await Promise.all([cycles.stop(), app.close()]);
      clearTimeout(cut);
      serving.stop();
    },
  };
}
