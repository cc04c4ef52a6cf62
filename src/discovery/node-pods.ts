import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { DiscoveryFailureCount } from '../exposition/self-metrics.ts';
import { WatchedCollection } from './list-watch.ts';
import { type ContainerNames, DEFAULT_CONTAINER_NAMES, type MeridioRole, recognisePod } from './roles.ts';

/** A running pod of this node that is part of the traffic path. */
export interface DiscoveredPod {
  namespace: string;
  pod: string;
  uid: string;
  role: MeridioRole;
  /** The container to exec into (kube-exec) and whose processes carry the pod UID (node-local). */
  container: string;
  trench?: string;
  conduit?: string;
  attractor?: string;
}

export interface ClusterDiscoveryOptions {
  kc: KubeConfig;
  node: string;
  logger: Logger;
  containerNames?: ContainerNames;
  /** Deadline of one list request. */
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * What the agent knows of the cluster: this node's pods (one watch with
 * `fieldSelector=spec.nodeName=<node>`, never a list per cycle) and every node's addresses (to name
 * the far end of a VxLAN tunnel). Collection reads `pods()` and `nodeByAddress()` each cycle; both are
 * in-memory.
 */
export class ClusterDiscovery {
  private readonly podWatch: WatchedCollection<V1Pod>;
  private readonly nodeWatch: WatchedCollection<V1Node>;
  private cachedPods?: DiscoveredPod[];
  private cachedAddresses?: ReadonlyMap<string, string>;
  private readonly names: ContainerNames;

  constructor(private readonly options: ClusterDiscoveryOptions) {
    this.names = options.containerNames ?? DEFAULT_CONTAINER_NAMES;
    const api = options.kc.makeApiClient(CoreV1Api);
    const timeoutSeconds = Math.max(1, Math.round((options.requestTimeoutMs ?? 10_000) / 1000));
    const fieldSelector = `spec.nodeName=${options.node}`;
    const common = {
      kc: options.kc,
      logger: options.logger,
      ...(options.minBackoffMs !== undefined && { minBackoffMs: options.minBackoffMs }),
      ...(options.maxBackoffMs !== undefined && { maxBackoffMs: options.maxBackoffMs }),
    };
    this.podWatch = new WatchedCollection<V1Pod>({
      ...common,
      path: '/api/v1/pods',
      fieldSelector,
      what: `pods on ${options.node}`,
      list: () =>
        withTimeout(api.listPodForAllNamespaces({ fieldSelector, timeoutSeconds }), timeoutSeconds * 1000),
      onChange: () => {
        this.cachedPods = undefined;
      },
    });
    this.nodeWatch = new WatchedCollection<V1Node>({
      ...common,
      path: '/api/v1/nodes',
      what: 'nodes',
      list: () => withTimeout(api.listNode({ timeoutSeconds }), timeoutSeconds * 1000),
      onChange: () => {
        this.cachedAddresses = undefined;
      },
    });
  }

  /** Start both watches and wait up to `syncTimeoutMs` for their first lists. */
  async start(syncTimeoutMs: number): Promise<{ podsSynced: boolean; nodesSynced: boolean }> {
    await Promise.all([this.podWatch.start(), this.nodeWatch.start()]);
    const [podsSynced, nodesSynced] = await Promise.all([
      this.podWatch.waitForSync(syncTimeoutMs),
      this.nodeWatch.waitForSync(syncTimeoutMs),
    ]);
    return { podsSynced, nodesSynced };
  }

  async stop(): Promise<void> {
    await Promise.all([this.podWatch.stop(), this.nodeWatch.stop()]);
  }

  get synced(): boolean {
    return this.podWatch.isSynced;
  }

  /**
   * Why this node's pods are not known yet (the API server has not answered the list, or fails),
   * or undefined once they are: "no forwarder pod" is then a fact, not a guess.
   */
  notKnownYet(): string | undefined {
    if (this.podWatch.isSynced) return undefined;
    const why = this.podWatch.lastError;
    return `the pods of node ${this.options.node} are not known yet: the Kubernetes API server ${why ? `failed: ${why}` : 'has not answered the pod list'}`;
  }

  get watchFailures(): number {
    return this.podWatch.failures + this.nodeWatch.failures;
  }

  failureCounts(): DiscoveryFailureCount[] {
    return [...this.podWatch.failureCounts(), ...this.nodeWatch.failureCounts()];
  }

  /** This node's running path pods, sorted by namespace and name. */
  pods(): readonly DiscoveredPod[] {
    if (!this.cachedPods) {
      const out: DiscoveredPod[] = [];
      for (const p of this.podWatch.list()) {
        const found = discoveredPod(p, this.options.node, this.names);
        if (found) out.push(found);
      }
      out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
      this.cachedPods = out;
    }
    return this.cachedPods;
  }

  /** The node's forwarder pod; with several (a rollout), the first by name. */
  forwarder(): DiscoveredPod | undefined {
    return this.pods().find((p) => p.role === 'forwarder');
  }

  /** Every InternalIP and ExternalIP of every node → that node's name. */
  nodeByAddress(): ReadonlyMap<string, string> {
    if (!this.cachedAddresses) {
      const map = new Map<string, string>();
      for (const n of this.nodeWatch.list()) {
        const name = n.metadata?.name;
        if (!name) continue;
        for (const a of n.status?.addresses ?? []) {
          if (a.type === 'InternalIP' || a.type === 'ExternalIP') map.set(a.address, name);
        }
      }
      this.cachedAddresses = map;
    }
    return this.cachedAddresses;
  }
}

/** A pod worth reading: on this node, running, not terminating, and of a known role. */
export function discoveredPod(p: V1Pod, node: string, names: ContainerNames): DiscoveredPod | undefined {
  const namespace = p.metadata?.namespace;
  const pod = p.metadata?.name;
  const uid = p.metadata?.uid;
  if (!namespace || !pod || !uid || p.spec?.nodeName !== node) return undefined;
  if (p.status?.phase !== 'Running' || p.metadata?.deletionTimestamp) return undefined;
  const recognised = recognisePod(p, names);
  if (!recognised) return undefined;
  return { namespace, pod, uid, ...recognised };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
