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

/** How long the start waits for the first pod and node lists before the first cycle. */
export const DISCOVERY_SYNC_WAIT_MS = 10_000;

/** What the source_info series, the start log line and the page's banner say about the data. */
export interface SourceDescription {
  vpp: string;
  pods: string;
  /** True for the demo and replays: their data is not a live node. */
  recorded: boolean;
}

/** Which sources one configuration reads, and the discovery that finds them in cluster mode. */
export interface ChosenSources {
  cluster?: ClusterSources;
  vpp?: VppSource;
  /** VPP's stats segment, read next to `vpp`. */
  statsSegment?: StatsSegmentSource;
  /** What runs commands in VPP's network namespace, when `vpp` can tell where it is. */
  vppNamespaceRunner?: PodSource;
  pods?: PodSource;
  description: SourceDescription;
}

function vppSourceOf(config: Config): VppSource | undefined {
  if (config.source.kind === 'replay') return new ReplaySource(config.source.dir);
  if (config.source.kind === 'vpp-cli-socket') {
    return new VppCliSocketSource({ socketPath: config.source.socketPath });
  }
  return undefined;
}

function podSourceOf(config: Config): PodSource | undefined {
  if (config.pods.kind === 'replay') return new ReplayPodSource(config.pods.dir);
  if (config.pods.kind === 'netns') return new NetnsPodSource({ pods: config.pods.pods });
  return undefined;
}

/** The stats segment to read next to `source`: a configured file, or in `auto` the memfd of the VPP behind it. */
function statsSegmentOf(config: Config, source: VppSource): StatsSegmentSource | undefined {
  const setting = config.statsSegment;
  if (setting.kind === 'off' || source.kind === 'replay') return undefined;
  if (setting.kind === 'path') return new StatsSegmentSource(setting, () => undefined);
  const vppPid = source.vppPid?.bind(source);
  return vppPid && new StatsSegmentSource(setting, vppPid);
}

/**
 * What reads VPP's namespace, whose links tie af_packet interfaces to pods: the exec pod source in
 * exec mode, a netns source through VPP's process otherwise, nothing for replays.
 */
function vppNamespaceRunnerOf(
  config: Config,
  source: VppSource,
  cluster: ClusterSources | undefined,
): PodSource | undefined {
  if (!source.vppNamespace) return undefined;
  if (config.cluster?.mode === 'exec' && cluster) return cluster.pods;
  // Read once per state interval: a process each time costs less than keeping one open.
  return new NetnsPodSource({ pods: [], keepOpen: false });
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

/** The sources a configuration reads; in cluster mode after the first pod and node lists (or the wait). */
export async function chooseSources(
  config: Config,
  logger: Logger,
  discoveryWaitMs = DISCOVERY_SYNC_WAIT_MS,
): Promise<ChosenSources> {
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
  const vpp = cluster?.vpp ?? vppSourceOf(config);
  const pods = cluster?.pods ?? podSourceOf(config);
  const statsSegment = vpp && statsSegmentOf(config, vpp);
  const vppNamespaceRunner = vpp && vppNamespaceRunnerOf(config, vpp, cluster);
  return {
    ...(cluster && { cluster }),
    ...(vpp && { vpp }),
    ...(statsSegment && { statsSegment }),
    ...(vppNamespaceRunner && { vppNamespaceRunner }),
    ...(pods && { pods }),
    description: describe(config, vpp, pods),
  };
}
