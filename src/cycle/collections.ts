import type { Logger } from 'pino';
import type { ClusterSources } from '../cluster-sources.ts';
import type { Config } from '../config/config.ts';
import { chooseSources, DISCOVERY_SYNC_WAIT_MS, type SourceDescription } from './chosen-sources.ts';
import { PodCollection } from './pod-collection.ts';
import { VppCollection } from './vpp-collection.ts';
import { VppNamespaceLinks } from './vpp-namespace-links.ts';

/** The collections of one configuration, and the discovery feeding them in cluster mode. */
export interface Collections {
  cluster?: ClusterSources;
  vpp?: VppCollection;
  pods?: PodCollection;
  description: SourceDescription;
}

/** The VPP and pod collections reading the sources a configuration chooses. */
export async function createCollections(
  config: Config,
  logger: Logger,
  discoveryWaitMs = DISCOVERY_SYNC_WAIT_MS,
): Promise<Collections> {
  const sources = await chooseSources(config, logger, discoveryWaitMs);
  const { cluster, statsSegment, vppNamespaceRunner } = sources;
  const timing = { commandTimeoutMs: config.commandTimeoutMs, stateIntervalMs: config.stateIntervalMs };
  const vpp =
    sources.vpp &&
    new VppCollection(sources.vpp, {
      node: config.node,
      forwarder: config.forwarder,
      ...(cluster
        ? { nodeByAddress: () => cluster.discovery.nodeByAddress() }
        : config.nodeByAddress && {
            nodeByAddress: () => config.nodeByAddress as ReadonlyMap<string, string>,
          }),
      ...timing,
      logger,
      ...(statsSegment && { statsSegment }),
      ...(vppNamespaceRunner && {
        namespaceLinks: new VppNamespaceLinks({ runner: vppNamespaceRunner, ...timing, now: Date.now }),
      }),
    });
  const pods =
    sources.pods &&
    new PodCollection(sources.pods, {
      node: config.node,
      commandTimeoutMs: config.commandTimeoutMs,
      includeLocal: config.includeLocal,
      logger,
    });
  return {
    ...(cluster && { cluster }),
    ...(vpp && { vpp }),
    ...(pods && { pods }),
    description: sources.description,
  };
}

/** Stop what the collections started (cluster discovery, the Meridio resources' watch, kept-open readers). */
export async function closeCollections(collections: Collections): Promise<void> {
  collections.pods?.close();
  await collections.cluster?.discovery.stop();
  await collections.cluster?.meridioVips.stop();
}
