import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClusterSources } from './cluster-sources.ts';
import { type Config, ConfigError } from './config/config.ts';
import { CycleRunner } from './cycle/cycle-runner.ts';
import { PodCollection } from './cycle/pod-collection.ts';
import { CycleScheduler, cronExpression } from './cycle/scheduler.ts';
import { VppCollection } from './cycle/vpp-collection.ts';
import { VppNamespaceLinks } from './cycle/vpp-namespace-links.ts';
import { ExpositionCache } from './exposition/exposition-cache.ts';
import { SelfMetrics } from './exposition/self-metrics.ts';
import type { PathGraph } from './path/graph.ts';
import { buildApp } from './server/app.ts';
import { readWebConfig } from './server/web-config/web-config-file.ts';
import { WebSecurity } from './server/web-config/web-security.ts';
import type { VppSource } from './sources/command-source.ts';
import { NetnsPodSource } from './sources/netns.ts';
import type { PodSource } from './sources/pod-source.ts';
import { ReplaySource } from './sources/replay.ts';
import { ReplayPodSource } from './sources/replay-pods.ts';
import { VppCliSocketSource } from './sources/vpp-cli/vpp-cli-socket.ts';
import { StatsSegmentSource } from './sources/vpp-stats/stats-segment-source.ts';

/** What the source_info series and the page's banner say about where the data comes from. */
function sourceInfo(
  config: Config,
  source: VppSource | undefined,
  podSource: PodSource | undefined,
): { vpp: string; pods: string; recorded: boolean } {
  const recorded = config.source.kind === 'replay';
  const demo =
    config.source.kind === 'replay' && config.source.demo ? `demo ${config.source.demo}` : undefined;
  return {
    vpp: demo ?? (source ? `${source.kind} ${source.location}` : 'none'),
    pods: demo ?? (podSource ? podSource.kind : 'none'),
    recorded,
  };
}

/** How long open connections may finish their request after a shutdown starts. */
const CONNECTION_GRACE_MS = 500;

/**
 * Listens where configured. No host means every address of both families (`::`, which takes IPv4
 * too); on a node without IPv6 that falls back to every IPv4 address. A port in use is a
 * configuration error naming the flag, not a stack trace.
 */
async function listen(app: FastifyInstance, config: Config): Promise<string> {
  const flag = `--web.listen-address=${config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost}:${config.listenPort}`;
  const at = (host: string) =>
    app.listen({ host, port: config.listenPort, ...(host === '::' && { ipv6Only: false }) });
  try {
    if (config.listenHost !== '') return await at(config.listenHost);
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
      throw new ConfigError([`${flag}: port ${config.listenPort} is already in use`]);
    if (e.code === 'EACCES')
      throw new ConfigError([`${flag}: not allowed to listen on port ${config.listenPort}`]);
    if (e.code === 'EADDRNOTAVAIL')
      throw new ConfigError([`${flag}: this host has no address ${config.listenHost}`]);
    throw err;
  }
}

/** How long the start waits for the first pod and node lists before the first cycle. */
const DISCOVERY_SYNC_WAIT_MS = 10_000;

export interface RunningExporter {
  app: FastifyInstance;
  runner: CycleRunner;
  scheduler: CycleScheduler;
  /** Where the server listens, e.g. `http://127.0.0.1:9847`. */
  url: string;
  stop(): Promise<void>;
}

export function createSource(config: Config): VppSource | undefined {
  if (config.source.kind === 'replay') return new ReplaySource(config.source.dir);
  if (config.source.kind === 'vpp-cli-socket')
    return new VppCliSocketSource({ socketPath: config.source.socketPath });
  return undefined;
}

/** The stats segment to read next to `source`: a configured file, or in `auto` the memfd of the VPP behind it. */
function statsSegmentOf(config: Config, source: VppSource): { statsSegment?: StatsSegmentSource } {
  const setting = config.statsSegment;
  if (setting.kind === 'off' || source.kind === 'replay') return {};
  if (setting.kind === 'path') return { statsSegment: new StatsSegmentSource(setting, () => undefined) };
  const vppPid = source.vppPid?.bind(source);
  return vppPid ? { statsSegment: new StatsSegmentSource(setting, vppPid) } : {};
}

/** Where VPP's process is visible, its namespace's links tie af_packet interfaces to pods. */
function namespaceLinksOf(config: Config, source: VppSource): { namespaceLinks?: VppNamespaceLinks } {
  if (!source.vppPid) return {};
  return {
    namespaceLinks: new VppNamespaceLinks({
      runner: new NetnsPodSource({ pods: [] }),
      commandTimeoutMs: config.commandTimeoutMs,
      stateIntervalMs: config.stateIntervalMs,
      now: Date.now,
    }),
  };
}

export function createPodSource(config: Config): PodSource | undefined {
  if (config.pods.kind === 'replay') return new ReplayPodSource(config.pods.dir);
  if (config.pods.kind === 'netns') return new NetnsPodSource({ pods: config.pods.pods });
  return undefined;
}

/** The collections of one configuration, and the discovery feeding them in cluster mode. */
interface Collections {
  cluster?: ClusterSources;
  source?: VppSource;
  podSource?: PodSource;
  vpp?: VppCollection;
  pods?: PodCollection;
}

async function createCollections(
  config: Config,
  logger: Logger,
  discoveryWaitMs = DISCOVERY_SYNC_WAIT_MS,
): Promise<Collections> {
  // Loaded only in cluster mode: @kubernetes/client-node's generated API models cost ≈ 40 MB (DESIGN.md).
  const cluster = config.cluster
    ? (await import('./cluster-sources.ts')).createClusterSources(config.cluster, config.node, logger)
    : undefined;
  if (cluster) {
    await cluster.meridioVips.start();
    const synced = await cluster.discovery.start(discoveryWaitMs);
    if (!synced.podsSynced || !synced.nodesSynced) {
      logger.warn(
        synced,
        'the first pod or node list did not arrive in time; collecting with what is known and retrying',
      );
    }
  }
  const source = cluster?.vpp ?? createSource(config);
  const vpp =
    source &&
    new VppCollection(source, {
      node: config.node,
      forwarder: config.forwarder,
      ...(cluster
        ? { nodeByAddress: () => cluster.discovery.nodeByAddress() }
        : config.nodeByAddress && {
            nodeByAddress: () => config.nodeByAddress as ReadonlyMap<string, string>,
          }),
      commandTimeoutMs: config.commandTimeoutMs,
      stateIntervalMs: config.stateIntervalMs,
      logger,
      ...statsSegmentOf(config, source),
      ...namespaceLinksOf(config, source),
    });
  const podSource = cluster?.pods ?? createPodSource(config);
  const pods =
    podSource &&
    new PodCollection(podSource, {
      node: config.node,
      commandTimeoutMs: config.commandTimeoutMs,
      includeLocal: config.includeLocal,
      logger,
    });
  return {
    ...(cluster && { cluster }),
    ...(source && { source }),
    ...(podSource && { podSource }),
    ...(vpp && { vpp }),
    ...(pods && { pods }),
  };
}

/** Read everything once, without serving: the `path` command's live mode. */
export async function collectPathOnce(config: Config, logger: Logger): Promise<PathGraph> {
  const { cluster, vpp, pods } = await createCollections(config, logger);
  try {
    const runner = new CycleRunner(
      { ...(vpp && { vpp }), ...(pods && { pods }) },
      new SelfMetrics(config.node, { processMetrics: false }),
      new ExpositionCache(),
      logger,
      config.intervalSeconds * 900,
      config.node,
    );
    return (await runner.runCycle()).graph;
  } finally {
    await cluster?.discovery.stop();
    await cluster?.meridioVips.stop();
  }
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
  const webConfig = config.webConfigFile === undefined ? undefined : readWebConfig(config.webConfigFile);
  if (webConfig && !webConfig.ok) {
    throw new ConfigError(webConfig.problems.map((p) => `--web.config.file: ${p}`));
  }
  const { cluster, source, podSource, vpp, pods } = await createCollections(
    config,
    logger,
    options.discoveryWaitMs,
  );
  const cache = new ExpositionCache();
  const where = sourceInfo(config, source, podSource);
  const selfMetrics = new SelfMetrics(config.node, {
    processMetrics: options.processMetrics ?? true,
    source: where,
  });
  // Leave a tenth of the interval so a slow cycle ends before the next tick is due.
  const runner = new CycleRunner(
    { ...(vpp && { vpp }), ...(pods && { pods }) },
    selfMetrics,
    cache,
    logger,
    config.intervalSeconds * 900,
    config.node,
    { goneMs: config.goneWindowMs, fdbMissingMs: config.fdbMissingMs },
    () => cluster?.discovery.synced ?? true,
    () => cluster?.meridioVips.expected(),
  );
  const expression = cronExpression(config.intervalSeconds, config.node);
  const scheduler = new CycleScheduler(
    expression,
    () => {
      if (cluster) selfMetrics.observeDiscovery(cluster.discovery.synced);
      return runner.runCycle();
    },
    logger,
  );
  const security =
    webConfig?.ok && config.webConfigFile !== undefined
      ? new WebSecurity(config.webConfigFile, webConfig.config, logger, (ok) =>
          selfMetrics.observeWebConfigReload(ok),
        )
      : undefined;
  if (security) selfMetrics.observeWebConfigReload(true);
  const app = await buildApp({
    cache,
    telemetryPath: config.telemetryPath,
    logger,
    ready: () => runner.cycles > 0 && (cluster?.discovery.synced ?? true),
    graph: () => runner.graph,
    refreshSeconds: config.intervalSeconds,
    ...(security && { security }),
    ...(where.recorded && {
      banner: `Recorded data (${where.vpp === 'none' ? where.pods : where.vpp}): outputs replayed every cycle, not a live node.`,
    }),
  });
  const listened = await listen(app, config);
  // fastify names the scheme from its own options, which a server of ours does not set.
  const url = security?.tlsOptions() ? listened.replace(/^http:/, 'https:') : listened;
  security?.startWatching(options.webConfigWatchMs);
  logger.info(
    {
      url,
      vpp: source ? `${source.kind} ${source.location}` : 'not read',
      pods: podSource ? podSource.kind : 'not read',
      ...(config.cluster && { mode: config.cluster.mode }),
      node: config.node,
      schedule: expression,
      ...(security && {
        webConfig: config.webConfigFile,
        tls: Boolean(security.tlsOptions()),
      }),
    },
    'meridio-path-exporter listening',
  );
  await scheduler.runNow();
  if (options.schedule !== false) await scheduler.start();
  return {
    app,
    runner,
    scheduler,
    url,
    async stop() {
      security?.stopWatching();
      // Idle keep-alive connections go at once; one that holds a half-sent request gets a short grace.
      app.server.closeIdleConnections();
      const cut = setTimeout(() => app.server.closeAllConnections(), CONNECTION_GRACE_MS);
      await Promise.all([scheduler.stop(), app.close()]);
      clearTimeout(cut);
      await cluster?.discovery.stop();
      await cluster?.meridioVips.stop();
    },
  };
}
