import { CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { DiscoveryFailureCount } from '../exposition/self-metrics.ts';
import { WatchedCollection } from './list-watch.ts';

/** Meridio's own resources (the operator's CRDs); v1 is their storage version. */
export const MERIDIO_GROUP = 'meridio.nordix.org';
export const MERIDIO_VERSION = 'v1';
/** How often a cluster without Meridio's CRDs is asked again whether it has them now. */
const NOT_INSTALLED_RETRY_MS = 5 * 60_000;

/**
 * A Vip (`spec.address`) or an Attractor (`spec.vips`: names of Vips in its namespace; `spec.composites`:
 * names of the Conduits that carry them).
 */
export interface MeridioObject extends KubernetesObject {
  spec?: { address?: unknown; vips?: unknown; composites?: unknown };
}

/**
 * The VIPs each conduit's proxies must route, from Meridio's resources: the addresses of the Vips that
 * the Attractors composed of that conduit announce (an Attractor names its conduits in
 * `spec.composites`, its Vips in `spec.vips`, its trench in label `trench`, all in its namespace). A
 * proxy serves one conduit, so it routes those VIPs and no other attractor's. Key
 * `<namespace>/<trench>/<conduit>`; addresses as a proxy's rule shows them (a host prefix without its
 * `/32` or `/128`).
 */
export function expectedVipsOf(
  attractors: readonly MeridioObject[],
  vips: readonly MeridioObject[],
): Map<string, string[]> {
  const addressOf = new Map<string, string>();
  for (const v of vips) {
    const ns = v.metadata?.namespace;
    const address = v.spec?.address;
    if (ns && v.metadata?.name && typeof address === 'string' && address !== '') {
      addressOf.set(`${ns}/${v.metadata.name}`, address.replace(/\/(32|128)$/, ''));
    }
  }
  const out = new Map<string, string[]>();
  for (const a of attractors) {
    const ns = a.metadata?.namespace;
    const trench = a.metadata?.labels?.trench;
    const names = a.spec?.vips;
    const conduits = a.spec?.composites;
    if (!ns || !trench || !Array.isArray(names) || !Array.isArray(conduits)) continue;
    for (const conduit of conduits) {
      if (typeof conduit !== 'string' || conduit === '') continue;
      const key = `${ns}/${trench}/${conduit}`;
      const list = out.get(key) ?? [];
      for (const name of names) {
        const address = typeof name === 'string' ? addressOf.get(`${ns}/${name}`) : undefined;
        if (address && !list.includes(address)) list.push(address);
      }
      out.set(key, list);
    }
  }
  return out;
}

/**
 * Watches Meridio's Vips and Attractors (list + watch, cluster-wide: a trench's resources live in its
 * own namespace). A cluster without the CRDs answers 404: nothing is expected then, and that is not a
 * failure. `expected()` is undefined until both lists arrived, so an unknown is never called missing.
 */
export class MeridioVips {
  private readonly attractors: WatchedCollection<MeridioObject>;
  private readonly vips: WatchedCollection<MeridioObject>;
  private cached?: Map<string, string[]>;

  constructor(kc: KubeConfig, logger: Logger, options: { requestTimeoutMs?: number } = {}) {
    const api = kc.makeApiClient(CustomObjectsApi);
    const timeoutSeconds = Math.max(1, Math.round((options.requestTimeoutMs ?? 10_000) / 1000));
    const watch = (plural: 'vips' | 'attractors') =>
      new WatchedCollection<MeridioObject>({
        kc,
        logger,
        path: `/apis/${MERIDIO_GROUP}/${MERIDIO_VERSION}/${plural}`,
        what: `${MERIDIO_GROUP} ${plural}`,
        notFoundRetryMs: NOT_INSTALLED_RETRY_MS,
        list: async () =>
          (await api.listClusterCustomObject({
            group: MERIDIO_GROUP,
            version: MERIDIO_VERSION,
            plural,
            timeoutSeconds,
          })) as never,
        onChange: () => {
          this.cached = undefined;
        },
      });
    this.attractors = watch('attractors');
    this.vips = watch('vips');
  }

  async start(): Promise<void> {
    await Promise.all([this.attractors.start(), this.vips.start()]);
  }

  /** Failed lists and watches (a 404, the CRDs not installed, is not one). */
  failureCounts(): DiscoveryFailureCount[] {
    return [...this.attractors.failureCounts(), ...this.vips.failureCounts()];
  }

  async stop(): Promise<void> {
    await Promise.all([this.attractors.stop(), this.vips.stop()]);
  }

  /** Expected VIP addresses per `<namespace>/<trench>/<conduit>`; undefined while not known. */
  expected(): ReadonlyMap<string, readonly string[]> | undefined {
    if (!this.attractors.isSynced || !this.vips.isSynced) return undefined;
    this.cached ??= expectedVipsOf(this.attractors.list(), this.vips.list());
    return this.cached;
  }
}
