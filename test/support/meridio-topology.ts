import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PodProcessFinder } from '../../src/sources/node-local/pod-processes.ts';
import type { KubeCluster } from './kube-cluster.ts';
import { vppBundleDir } from './live-vpp.ts';
import { shortNeighbourTimers } from './neighbours.ts';

/**
 * A Meridio deployment on the cluster tests' node, shaped as Meridio's operator and NSM make it:
 * namespace `red` with two trenches (trench-a dual-stack with two conduits and two attractors,
 * trench-b IPv4 only), their Trench/Conduit/Stream/Flow/Vip/Attractor objects, a proxy DaemonSet per
 * conduit, a stateless-lb-frontend Deployment per attractor and a target Deployment per trench (the
 * container names and env vars of Meridio's templates), and NSM's forwarder-vpp DaemonSet in
 * nsm-system running a real VPP.
 *
 * The Meridio processes and NSM are not run. `wire()` builds what they would: each conduit link as
 * NSM's kernel mechanism builds it without /dev/vhost-net (a veth pair, VPP's end an af_packet
 * interface, the two VPP interfaces cross-connected), the proxy's bridge, VIP rules and multipath
 * routes towards its conduit's frontends, and the targets' VIP addresses and source routes.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MERIDIO_CRDS = join(REPO_ROOT, 'test', 'cluster', 'meridio-crds.yaml');
export const MONITORING_CRDS = join(REPO_ROOT, 'test', 'cluster', 'monitoring-crds.yaml');

interface Conduit {
  trench: string;
  name: string;
  attractor: string;
  /** Third octet of the conduit's IPv4 network, and the IPv6 network's fourth group. */
  net: number;
  ipv6: boolean;
  vips: { name: string; address: string }[];
}

export const CONDUITS: readonly Conduit[] = [
  {
    trench: 'trench-a',
    name: 'conduit-a-1',
    attractor: 'attractor-a-1',
    net: 1,
    ipv6: true,
    vips: [
      { name: 'vip-a-1-v4', address: '20.0.0.1/32' },
      { name: 'vip-a-1-v6', address: '2000::1/128' },
    ],
  },
  {
    trench: 'trench-a',
    name: 'conduit-a-2',
    attractor: 'attractor-a-2',
    net: 2,
    ipv6: true,
    vips: [{ name: 'vip-a-2-v4', address: '20.0.0.2/32' }],
  },
  {
    trench: 'trench-b',
    name: 'conduit-b-1',
    attractor: 'attractor-b-1',
    net: 3,
    ipv6: false,
    vips: [{ name: 'vip-b-1-v4', address: '40.0.0.1/32' }],
  },
];

export const TRENCHES = [
  { name: 'trench-a', ipFamily: 'dualstack' },
  { name: 'trench-b', ipFamily: 'ipv4' },
] as const;

const NS = 'red';
const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** Every object of the topology, for `kubectl apply -f -` (a List). */
export function topologyManifests(): string {
  const items: unknown[] = [
    namespace('nsm-system'),
    namespace(NS),
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'forwarder-vpp', namespace: 'nsm-system', labels: { app: 'forwarder-vpp' } },
      spec: {
        selector: { matchLabels: { app: 'forwarder-vpp' } },
        template: {
          metadata: { labels: { app: 'forwarder-vpp', 'spiffe.io/spiffe-id': 'true' } },
          spec: {
            hostNetwork: true,
            hostPID: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'forwarder-vpp',
                image: 'forwarder-vpp:test',
                imagePullPolicy: 'Never',
                securityContext: { privileged: true },
                env: [fieldEnv('NSM_TUNNEL_IP', 'status.podIP'), ...env({ NSM_LOG_LEVEL: 'INFO' })],
              },
            ],
          },
        },
      },
    },
  ];
  for (const t of TRENCHES) {
    items.push(meridio('Trench', t.name, undefined, { 'ip-family': t.ipFamily }));
    items.push(
      meridio('Stream', `stream-${t.name.slice(-1)}`, t.name, {
        conduit: CONDUITS.find((c) => c.trench === t.name)?.name,
        'max-targets': 100,
      }),
    );
    items.push(targetDeployment(t.name));
  }
  for (const c of CONDUITS) {
    items.push(meridio('Conduit', c.name, c.trench, { type: 'stateless-lb' }));
    for (const v of c.vips) items.push(meridio('Vip', v.name, c.trench, { address: v.address }));
    items.push(
      meridio('Attractor', c.attractor, c.trench, {
        replicas: 1,
        composites: [c.name],
        vips: c.vips.map((v) => v.name),
        interface: {
          name: `ext-vlan.${c.net}`,
          type: 'nsm-vlan',
          'ipv4-prefix': `169.254.10${c.net}.0/24`,
          ...(c.ipv6 ? { 'ipv6-prefix': `100:${c.net}::/64` } : {}),
          'nsm-vlan': { 'vlan-id': 100 + c.net, 'base-interface': 'eth0' },
        },
      }),
    );
    items.push(
      meridio('Flow', `flow-${c.name}`, c.trench, {
        stream: `stream-${c.trench.slice(-1)}`,
        vips: c.vips.map((v) => v.name),
        'source-subnets': c.ipv6 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'],
        'destination-ports': ['4000'],
        'source-ports': ['any'],
        protocols: ['tcp'],
        priority: 1,
      }),
    );
    items.push(proxyDaemonSet(c), frontendDeployment(c));
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function namespace(name: string) {
  // Meridio's and NSM's pods add NET_ADMIN and run privileged init containers: beyond baseline.
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
  };
}

function meridio(kind: string, name: string, trench: string | undefined, spec: Record<string, unknown>) {
  return {
    apiVersion: 'meridio.nordix.org/v1',
    kind,
    metadata: { name, namespace: NS, ...(trench ? { labels: { trench } } : {}) },
    spec,
  };
}

/** A pod template of the Meridio image (sh, ip, bridge, ping); the Meridio process is not run. */
function template(app: string, containers: { name: string; env?: unknown[] }[], extraLabels = {}) {
  return {
    metadata: { labels: { app, 'spiffe.io/spiffe-id': 'true', ...extraLabels } },
    spec: {
      terminationGracePeriodSeconds: 2,
      automountServiceAccountToken: false,
      containers: containers.map((c) => ({ image: 'meridio-pod:test', imagePullPolicy: 'Never', ...c })),
    },
  };
}

/** A DaemonSet or a one-replica Deployment (one node) of Meridio's, in the trench namespace. */
function workload(kind: 'DaemonSet' | 'Deployment', app: string, podTemplate: ReturnType<typeof template>) {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: app, namespace: NS, labels: { app } },
    spec: {
      ...(kind === 'Deployment' && { replicas: 1 }),
      selector: { matchLabels: { app } },
      template: podTemplate,
    },
  };
}

function proxyDaemonSet(c: Conduit) {
  const app = `proxy-${c.name}`;
  return workload(
    'DaemonSet',
    app,
    template(app, [
      {
        name: 'proxy',
        env: [
          ...env({
            NSM_SERVICE_NAME: `proxy.${c.name}.${c.trench}.${NS}`,
            NSM_NETWORK_SERVICE_NAME: `${c.name}.${c.trench}.${NS}`,
            NSM_IPAM_SERVICE: `ipam-service-${c.trench}:7777`,
            NSM_NSP_SERVICE_NAME: 'nsp-service',
            NSM_NSP_SERVICE_PORT: '7778',
            NSM_TRENCH: c.trench,
            NSM_CONDUIT: c.name,
            NSM_NAMESPACE: NS,
            NSM_IP_FAMILY: c.ipv6 ? 'dualstack' : 'ipv4',
          }),
          fieldEnv('NSM_NAME', 'metadata.name'),
          fieldEnv('NSM_HOST', 'spec.nodeName'),
        ],
      },
    ]),
  );
}

function frontendDeployment(c: Conduit) {
  const app = `stateless-lb-frontend-${c.attractor}`;
  return workload(
    'Deployment',
    app,
    template(
      app,
      [
        {
          name: 'stateless-lb',
          env: env({
            NSM_SERVICE_NAME: `${c.name}.${c.trench}.${NS}`,
            NSM_CONDUIT_NAME: c.name,
            NSM_TRENCH_NAME: c.trench,
            NSM_NSP_SERVICE: `nsp-service-${c.trench}:7778`,
            NSM_METRICS_ENABLED: 'true',
          }),
        },
        {
          name: 'nsc',
          env: env({
            NSM_NETWORK_SERVICES: `kernel://external-vlan.${c.attractor}.${c.trench}.${NS}/ext-vlan`,
          }),
        },
        {
          name: 'frontend',
          env: env({
            NFE_TRENCH_NAME: c.trench,
            NFE_ATTRACTOR_NAME: c.attractor,
            NFE_NAMESPACE: NS,
            NFE_NSP_SERVICE: `nsp-service-${c.trench}:7778`,
            NFE_CONFIG_MAP_NAME: `meridio-configuration-${c.trench}`,
            NFE_EXTERNAL_INTERFACE: 'ext-vlan',
          }),
        },
      ],
      { 'app-type': 'stateless-lb-frontend' },
    ),
  );
}

function targetDeployment(trench: string) {
  const app = `target-${trench.slice(-1)}`;
  return workload(
    'Deployment',
    app,
    template(app, [
      { name: 'example-target' },
      {
        name: 'tapa',
        env: [
          fieldEnv('MERIDIO_NAME', 'metadata.name'),
          fieldEnv('MERIDIO_NODE', 'spec.nodeName'),
          fieldEnv('MERIDIO_NAMESPACE', 'metadata.namespace'),
          ...env({
            MERIDIO_NSP_SERVICE_NAME: 'nsp-service',
            MERIDIO_NSP_SERVICE_PORT: '7778',
            MERIDIO_SOCKET: '/var/lib/meridio/ambassador.sock',
          }),
        ],
      },
    ]),
  );
}

interface PodRef {
  name: string;
  uid: string;
  pid: number;
}

/** VPP's ends (veths in the node's namespace) of a conduit's four pod interfaces. */
interface ConduitEnds {
  frontend: string;
  proxyToFrontend: string;
  proxyToTarget: string;
  target: string;
}

/** The interfaces and routes NSM and Meridio's processes would build; run once the pods run. */
export class MeridioWiring {
  private readonly vppctl: string;
  private cliSocket = '';
  private vethCount = 0;
  private readonly ends = new Map<string, ConduitEnds>();

  constructor(private readonly cluster: KubeCluster) {
    const bundle = vppBundleDir();
    if (!bundle) throw new Error('no VPP bundle for vppctl (set MPE_TEST_VPP_DIR)');
    this.vppctl = join(bundle, 'bin', 'vppctl');
  }

  async wire(): Promise<void> {
    await this.connectVpp();
    for (const c of CONDUITS) {
      const { proxy, frontend, target } = await this.conduitPods(c);
      const ends: ConduitEnds = {
        frontend: this.podInterface(frontend, names(c).frontend),
        proxyToFrontend: this.podInterface(proxy, names(c).proxyToFrontend),
        proxyToTarget: this.podInterface(proxy, names(c).proxyToTarget),
        target: this.podInterface(target, names(c).target),
      };
      this.ends.set(c.name, ends);
      this.xconnect(ends);
      this.configureProxy(proxy, c);
      this.address(frontend, names(c).frontend, c, 2);
      this.configureTarget(target, c);
      this.traffic(proxy, frontend, target, c);
    }
  }

  /**
   * A proxy pod the DaemonSet made anew (new UID, new network namespace): NSM connects the new pod (its
   * VPP ends of the old pod's interfaces went with the old namespace) and the proxy rebuilds its bridge,
   * VIP rules and routes.
   */
  async rewireProxy(conduit: string): Promise<void> {
    const c = CONDUITS.find((x) => x.name === conduit);
    const ends = this.ends.get(conduit);
    if (!c || !ends) throw new Error(`conduit ${conduit} was never wired`);
    const { proxy, frontend, target } = await this.conduitPods(c);
    for (const gone of [ends.proxyToFrontend, ends.proxyToTarget])
      this.vpp(`delete host-interface name ${gone}`);
    ends.proxyToFrontend = this.podInterface(proxy, names(c).proxyToFrontend);
    ends.proxyToTarget = this.podInterface(proxy, names(c).proxyToTarget);
    this.xconnect(ends);
    this.configureProxy(proxy, c);
    this.traffic(proxy, frontend, target, c);
  }

  /**
   * A forwarder restarted: a new VPP with nothing configured. NSM makes its interfaces again on the
   * veths it had made (they live in the node's namespace, so they outlived the old VPP) and
   * cross-connects them again.
   */
  async rewireVpp(): Promise<void> {
    await this.connectVpp();
    for (const c of CONDUITS) {
      const ends = this.ends.get(c.name);
      if (!ends) throw new Error(`conduit ${c.name} was never wired`);
      for (const veth of Object.values(ends)) this.hostInterface(veth);
      this.xconnect(ends);
      const { proxy, frontend, target } = await this.conduitPods(c);
      this.traffic(proxy, frontend, target, c);
    }
  }

  private async connectVpp(): Promise<void> {
    const forwarder = (await this.pods('nsm-system', 'app=forwarder-vpp'))[0];
    if (!forwarder) throw new Error('no forwarder-vpp pod');
    const vppPid = this.vppMain(forwarder.uid);
    // /var/run is a symlink to /run in the image; through /proc/<pid>/root only the target resolves.
    this.cliSocket = `/proc/${vppPid}/root/run/vpp/cli.sock`;
    for (let i = 0; i < 100 && !existsSync(this.cliSocket); i++) execFileSync('sleep', ['0.1']);
    this.vpp('show version');
  }

  private async conduitPods(c: Conduit): Promise<Record<'proxy' | 'frontend' | 'target', PodRef>> {
    const [proxy] = await this.pods(NS, `app=proxy-${c.name}`);
    const [frontend] = await this.pods(NS, `app=stateless-lb-frontend-${c.attractor}`);
    const [target] = await this.pods(NS, `app=target-${c.trench.slice(-1)}`);
    if (!proxy || !frontend || !target) throw new Error(`pods of ${c.name} missing`);
    return { proxy, frontend, target };
  }

  /** Frontend ↔ proxy and proxy ↔ target, each a VPP cross-connect both ways. */
  private xconnect(ends: ConduitEnds): void {
    for (const [a, b] of [
      [ends.frontend, ends.proxyToFrontend],
      [ends.proxyToTarget, ends.target],
    ] as const) {
      this.vpp(`set interface l2 xconnect host-${a} host-${b}`);
      this.vpp(`set interface l2 xconnect host-${b} host-${a}`);
    }
  }

  /** What the proxy process builds: bridge0 over its conduit ports, VIP rules, multipath routes. */
  private configureProxy(proxy: PodRef, c: Conduit): void {
    const n = names(c);
    this.inPod(proxy, ['ip', 'link', 'add', 'bridge0', 'type', 'bridge']);
    for (const port of [n.proxyToFrontend, n.proxyToTarget]) {
      this.inPod(proxy, ['ip', 'link', 'set', port, 'master', 'bridge0']);
    }
    this.inPod(proxy, ['ip', 'link', 'set', 'bridge0', 'up']);
    this.address(proxy, 'bridge0', c, 1);
    for (const family of c.ipv6 ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const)) {
      for (const argv of shortNeighbourTimers('bridge0', family)) this.inPod(proxy, argv);
    }
    // A VIP rule per VIP, its table's default route via the conduit's frontend.
    for (const vip of vipRoutes(c)) {
      this.vipRule(proxy, vip);
      this.inPod(proxy, [
        ...['ip', vip.family, 'route', 'add', 'default', 'table', vip.table],
        ...['nexthop', 'via', hostOf(c, 2, vip.v6), 'dev', 'bridge0'],
      ]);
    }
  }

  /** Traffic from the VIP looks up the VIP's table (the proxy's towards its frontend, the target's back). */
  private vipRule(pod: PodRef, vip: ReturnType<typeof vipRoutes>[number]): void {
    this.inPod(pod, [
      'ip',
      vip.family,
      'rule',
      'add',
      'from',
      vip.address,
      'lookup',
      vip.table,
      'priority',
      '100',
    ]);
  }

  /** The target holds the VIPs and answers from them through the proxy (TAPA's source routing). */
  private configureTarget(target: PodRef, c: Conduit): void {
    const dev = names(c).target;
    this.address(target, dev, c, 3);
    for (const vip of vipRoutes(c)) {
      this.inPod(target, ['ip', 'addr', 'add', vip.prefix, 'dev', dev, ...(vip.v6 ? ['nodad'] : [])]);
      this.vipRule(target, vip);
      this.inPod(target, [
        ...['ip', vip.family, 'route', 'add', 'default', 'table', vip.table],
        ...['via', hostOf(c, 1, vip.v6), 'dev', dev],
      ]);
    }
  }

  /** Pings across the conduit, so the proxy's bridge learns its FDB and the pods their neighbours. */
  private traffic(proxy: PodRef, frontend: PodRef, target: PodRef, c: Conduit): void {
    const both = (host: number) => [hostOf(c, host, false), ...(c.ipv6 ? [hostOf(c, host, true)] : [])];
    this.ping(proxy, [...both(2), ...both(3)]);
    this.ping(frontend, [hostOf(c, 1, false)]);
    this.ping(target, [hostOf(c, 1, false)]);
  }

  /** The pods matching a label, with a process of each (for its network namespace). */
  async pods(namespace: string, selector: string): Promise<PodRef[]> {
    const out = JSON.parse(
      await this.cluster.kubectl(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json']),
    ) as {
      items: { metadata: { name: string; uid: string; deletionTimestamp?: string } }[];
    };
    return out.items
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, pid: this.cluster.podPid(p.metadata.uid) }));
  }

  vpp(command: string): string {
    return execFileSync(this.vppctl, ['-s', this.cliSocket, ...command.split(' ')], { encoding: 'utf8' });
  }

  /** VPP's main thread in the forwarder pod, found as the agent finds it (it starts a moment after the pod). */
  private vppMain(uid: string): number {
    const finder = new PodProcessFinder();
    for (let i = 0; i < 50; i++) {
      const pid = finder.processNamed(uid, 'vpp_main');
      if (pid !== undefined) return pid;
      execFileSync('sleep', ['0.2']);
    }
    throw new Error(`no vpp_main in forwarder pod ${uid}`);
  }

  /**
   * NSM's kernel mechanism without vhost-net: a veth pair per pod interface, VPP's end (in the node's
   * namespace, where the hostNetwork forwarder runs) an af_packet host-interface.
   */
  private podInterface(pod: PodRef, name: string): string {
    const vppSide = `mpe-v${this.vethCount++}`;
    this.cluster.onNode([
      ...['ip', 'link', 'add', vppSide, 'type', 'veth'],
      ...['peer', 'name', 'mpe-tmp', 'netns', String(pod.pid)],
    ]);
    this.inPod(pod, ['ip', 'link', 'set', 'mpe-tmp', 'name', name]);
    this.inPod(pod, ['ip', 'link', 'set', name, 'up']);
    // VPP's end only carries frames for af_packet: no IPv6 chatter of its own kernel side.
    this.cluster.onNode(['sysctl', '-qw', `net/ipv6/conf/${vppSide}/disable_ipv6=1`]);
    this.cluster.onNode(['ip', 'link', 'set', vppSide, 'up']);
    this.hostInterface(vppSide);
    return vppSide;
  }

  private hostInterface(veth: string): void {
    this.vpp(`create host-interface name ${veth}`);
    this.vpp(`set interface state host-${veth} up`);
  }

  private address(pod: PodRef, dev: string, c: Conduit, host: number): void {
    this.inPod(pod, ['ip', 'addr', 'add', `${hostOf(c, host, false)}/24`, 'dev', dev]);
    if (c.ipv6) this.inPod(pod, ['ip', 'addr', 'add', `${hostOf(c, host, true)}/64`, 'dev', dev, 'nodad']);
  }

  private ping(pod: PodRef, destinations: string[]): void {
    for (const d of destinations) this.inPod(pod, ['ping', '-c', '1', '-W', '2', d]);
  }

  inPod(pod: PodRef, argv: string[]): string {
    try {
      return execFileSync('nsenter', [`--net=/proc/${pod.pid}/ns/net`, ...argv], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${pod.name}: ${argv.join(' ')}: ${e.stderr || e.message}`);
    }
  }
}

/** A conduit's interface names in its pods, as Meridio names them (the conduit's name, cut, and a suffix). */
function names(c: Conduit): {
  frontend: string;
  proxyToFrontend: string;
  proxyToTarget: string;
  target: string;
} {
  const short = c.name.slice(0, 10);
  return {
    frontend: `${short}-${hex4(c.net, 1)}`,
    proxyToFrontend: `${short}-${hex4(c.net, 2)}`,
    proxyToTarget: `proxy.cond-${hex4(c.net, 3)}`,
    target: `nsm-${CONDUITS.filter((o) => o.trench === c.trench).indexOf(c)}`,
  };
}

/** A pod's address on the conduit's network: 1 the proxy's bridge, 2 the frontend, 3 the target. */
function hostOf(c: Conduit, host: number, v6: boolean): string {
  return v6 ? `fd00:0:0:${c.net}::${host}` : `172.16.${c.net}.${host}`;
}

/** Each VIP of the conduit with its policy-routing table. */
function vipRoutes(c: Conduit) {
  return c.vips.map((vip, i) => {
    const v6 = vip.address.includes(':');
    return {
      prefix: vip.address,
      address: vip.address.replace(/\/(32|128)$/, ''),
      v6,
      family: v6 ? '-6' : '-4',
      table: String(c.net * 10 + i + 1),
    };
  });
}

function hex4(net: number, n: number): string {
  return ((net * 0x1000 + n * 0x111) & 0xffff).toString(16).padStart(4, '0');
}
