import type { Logger } from 'pino';
import type { ClusterSources } from '../cluster-sources.ts';
import type { Config } from '../config/config.ts';
import type { VppSource } from '../sources/command-source.ts';
import { NetnsPodSource } from '../sources/netns.ts';
import type { PodSource } from '../sources/pod-source.ts';
import { ReplaySource } from '../sources/replay.ts';
import { ReplayPodSource } from '../sources/replay-pods.ts';
import { VppCliSocketSource } from '../sources/vpp-cli/vpp-cli-socket.ts';
import { StatsSegmentSource } from '../sources/vpp-stats/stats-segment-source.ts';
import { PodCollection } from './pod-collection.ts';
import { VppCollection } from './vpp-collection.ts';
import { VppNamespaceLinks } from './vpp-namespace-links.ts';

/** How long the start waits for the first pod and node lists before the first cycle. */
export const DISCOVERY_SYNC_WAIT_MS = 10_000;

/** What the source_info series, the start log line and the page's banner say about the data. */
export interface SourceDescription {
  vpp: string;
  pods: string;
  /** True for the demo and replays: their data is not a live node. */
  recorded: boolean;
}

export function createSource(config: Config): VppSource | undefined {
  if (config.source.kind === 'replay') return new ReplaySource(config.source.dir);
  if (config.source.kind === 'vpp-cli-socket')
    return new VppCliSocketSource({ socketPath: config.source.socketPath });
  return undefined;
}

export function createPodSource(config: Config): PodSource | undefined {
  if (config.pods.kind === 'replay') return new ReplayPodSource(config.pods.dir);
  if (config.pods.kind === 'netns') return new NetnsPodSource({ pods: config.pods.pods });
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

/**
 * Where VPP's namespace can be read, its links tie af_packet interfaces to pods: through its
 * process's namespace (by `runner`, the exec pod source in exec mode) or not at all (replays).
 */
function namespaceLinksOf(
  config: Config,
  source: VppSource,
  runner: PodSource | undefined,
): { namespaceLinks?: VppNamespaceLinks } {
  if (!source.vppNamespace) return {};
  return {
    namespaceLinks: new VppNamespaceLinks({
      // Read once per state interval: a process each time costs less than keeping one open.
      runner: runner ?? new NetnsPodSource({ pods: [], keepOpen: false }),
      commandTimeoutMs: config.commandTimeoutMs,
      stateIntervalMs: config.stateIntervalMs,
      now: Date.now,
    }),
  };
}

/** The collections of one configuration, and the discovery feeding them in cluster mode. */
export interface Collections {
  cluster?: ClusterSources;
  vpp?: VppCollection;
  pods?: PodCollection;
  description: SourceDescription;
}

function describe(config: Config, source: VppSource | undefined, podSource: PodSource | undefined) {
  const demo =
    config.source.kind === 'replay' && config.source.demo ? `demo ${config.source.demo}` : undefined;
  return {
    vpp: demo ?? (source ? `${source.kind} ${source.location}` : 'none'),
    pods: demo ?? (podSource ? podSource.kind : 'none'),
    recorded: config.source.kind === 'replay',
  };
}

export async function createCollections(
  config: Config,
  logger: Logger,
  discoveryWaitMs = DISCOVERY_SYNC_WAIT_MS,
): Promise<Collections> {
  // Loaded only in cluster mode: @kubernetes/client-node's generated API models cost ≈ 40 MB (DESIGN.md).
  const cluster = config.cluster
    ? (await import('../cluster-sources.ts')).createClusterSources(config.cluster, config.node, logger)
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
      ...namespaceLinksOf(config, source, config.cluster?.mode === 'exec' ? cluster?.pods : undefined),
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
    ...(vpp && { vpp }),
    ...(pods && { pods }),
    description: describe(config, source, podSource),
  };
}

/** Stop what the collections started (cluster discovery, the Meridio resources' watch, kept-open readers). */
export async function closeCollections(collections: Collections): Promise<void> {
  collections.pods?.close();
  await collections.cluster?.discovery.stop();
  await collections.cluster?.meridioVips.stop();
}
