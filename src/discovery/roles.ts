import { isKubernetesName } from '../util/kubernetes-name.ts';

/**
 * Which part of the traffic path a pod is, from its spec alone. Meridio's pods carry only an `app`
 * label and their names changed across versions (`proxy-<conduit>`, `proxy-<trench>`,
 * `load-balancer-<trench>`, `meridio-proxy-*`), so the rule looks at container names and at the env
 * vars Meridio itself sets, never at pod names:
 *
 * | role | a container named (default) | labels read from that container's env |
 * |---|---|---|
 * | forwarder | `forwarder-vpp` | — |
 * | proxy | `proxy`, or any container with `NSM_CONDUIT` and `NSM_TRENCH` | trench `NSM_TRENCH`, conduit `NSM_CONDUIT` |
 * | stateless-lb-frontend | `stateless-lb`, `frontend`, `fe` | trench `NSM_TRENCH_NAME`/`NFE_TRENCH_NAME`, conduit `NSM_CONDUIT_NAME`, attractor `NFE_ATTRACTOR_NAME` |
 * | target | `tapa` (Meridio's target sidecar) | — |
 *
 * The first role in that order wins. Only literal env values count (`valueFrom` is not resolved), and
 * only values that are Kubernetes names become labels.
 */
export type MeridioRole = 'forwarder' | 'proxy' | 'stateless-lb-frontend' | 'target';

export const ROLES: readonly MeridioRole[] = ['forwarder', 'proxy', 'stateless-lb-frontend', 'target'];

/** The part of a Kubernetes pod the rule reads (a V1Pod fits). */
export interface PodLike {
  metadata?: { name?: string; namespace?: string };
  spec?: { containers?: readonly ContainerLike[] };
}

export interface ContainerLike {
  name: string;
  env?: readonly { name: string; value?: string }[];
}

export interface RecognisedPod {
  role: MeridioRole;
  /** The container to read (exec into): the one with the tools for this role. */
  container: string;
  trench?: string;
  conduit?: string;
  attractor?: string;
}

/** Container names per role; a deployment that renamed containers sets its own. */
export type ContainerNames = Readonly<Record<MeridioRole, readonly string[]>>;

export const DEFAULT_CONTAINER_NAMES: ContainerNames = {
  forwarder: ['forwarder-vpp'],
  proxy: ['proxy'],
  'stateless-lb-frontend': ['stateless-lb', 'frontend', 'fe'],
  target: ['tapa'],
};

export function recognisePod(
  pod: PodLike,
  names: ContainerNames = DEFAULT_CONTAINER_NAMES,
): RecognisedPod | undefined {
  const containers = pod.spec?.containers ?? [];
  const named = (role: MeridioRole) => containers.find((c) => names[role].includes(c.name));
  const forwarder = named('forwarder');
  if (forwarder) return { role: 'forwarder', container: forwarder.name };
  const proxy = named('proxy') ?? containers.find((c) => env(c, 'NSM_CONDUIT') && env(c, 'NSM_TRENCH'));
  if (proxy) {
    return withLabels(
      { role: 'proxy', container: proxy.name },
      {
        trench: env(proxy, 'NSM_TRENCH'),
        conduit: env(proxy, 'NSM_CONDUIT'),
      },
    );
  }
  const lb = named('stateless-lb-frontend');
  if (lb) {
    // The LB pod's containers share one network namespace; `stateless-lb` ships iproute2, so read that one.
    const all = containers.filter((c) => names['stateless-lb-frontend'].includes(c.name));
    const first = (key: string) => all.map((c) => env(c, key)).find((v) => v !== undefined);
    const reader = all.find((c) => c.name === names['stateless-lb-frontend'][0]) ?? lb;
    return withLabels(
      { role: 'stateless-lb-frontend', container: reader.name },
      {
        trench: first('NSM_TRENCH_NAME') ?? first('NFE_TRENCH_NAME'),
        conduit: first('NSM_CONDUIT_NAME'),
        attractor: first('NFE_ATTRACTOR_NAME'),
      },
    );
  }
  const tapa = named('target');
  if (tapa) {
    // TAPA is a sidecar without iproute2; the application container shares its network namespace.
    const app = containers.find((c) => c !== tapa);
    return { role: 'target', container: (app ?? tapa).name };
  }
  return undefined;
}

function env(c: ContainerLike, key: string): string | undefined {
  const v = c.env?.find((e) => e.name === key)?.value;
  return v !== undefined && isKubernetesName(v) ? v : undefined;
}

function withLabels(
  base: RecognisedPod,
  labels: { trench?: string | undefined; conduit?: string | undefined; attractor?: string | undefined },
): RecognisedPod {
  const out = { ...base };
  if (labels.trench) out.trench = labels.trench;
  if (labels.conduit) out.conduit = labels.conduit;
  if (labels.attractor) out.attractor = labels.attractor;
  return out;
}
