import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function proxyDaemonSet(c: Conduit) {
  const app = `proxy-${c.name}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: app, namespace: NS, labels: { app } },
    spec: {
      selector: { matchLabels: { app } },
      template: template(app, [
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
    },
  };
}

function frontendDeployment(c: Conduit) {
  const app = `stateless-lb-frontend-${c.attractor}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: NS, labels: { app } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: template(
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
    },
  };
}

function targetDeployment(trench: string) {
  const app = `target-${trench.slice(-1)}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: NS, labels: { app } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: template(app, [
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
    },
  };
}

interface PodRef {
  name: string;
  uid: string;
  pid: number;
}

/** The interfaces and routes NSM and Meridio's processes would build; run once the pods run. */
export class MeridioWiring {
  private readonly vppctl: string;
  private cliSocket = '';
  private vethCount = 0;

  constructor(private readonly cluster: KubeCluster) {
    const bundle = vppBundleDir();
    if (!bundle) throw new Error('no VPP bundle for vppctl (set MPE_TEST_VPP_DIR)');
    this.vppctl = join(bundle, 'bin', 'vppctl');
  }

  async wire(): Promise<void> {
    const forwarder = (await this.pods('nsm-system', 'app=forwarder-vpp'))[0];
    if (!forwarder) throw new Error('no forwarder-vpp pod');
    const vppPid = this.vppMain(forwarder.uid);
    // /var/run is a symlink to /run in the image; through /proc/<pid>/root only the target resolves.
    this.cliSocket = `/proc/${vppPid}/root/run/vpp/cli.sock`;
    for (let i = 0; i < 100 && !existsSync(this.cliSocket); i++) execFileSync('sleep', ['0.1']);
    this.vpp('show version');
    for (const c of CONDUITS) {
      const [proxy] = await this.pods(NS, `app=proxy-${c.name}`);
      const [frontend] = await this.pods(NS, `app=stateless-lb-frontend-${c.attractor}`);
      const [target] = await this.pods(NS, `app=target-${c.trench.slice(-1)}`);
      if (!proxy || !frontend || !target) throw new Error(`pods of ${c.name} missing`);
      const short = c.name.slice(0, 10);
      this.inPod(proxy, ['ip', 'link', 'add', 'bridge0', 'type', 'bridge']);
      // Frontend ↔ proxy and proxy ↔ target, each through a VPP cross-connect.
      const feIf = this.link(frontend, `${short}-${hex4(c.net, 1)}`, proxy, `${short}-${hex4(c.net, 2)}`);
      const targetIf = `nsm-${CONDUITS.filter((o) => o.trench === c.trench).indexOf(c)}`;
      const pxTarget = this.link(proxy, `proxy.cond-${hex4(c.net, 3)}`, target, targetIf);
      for (const port of [feIf.b, pxTarget.a]) {
        this.inPod(proxy, ['ip', 'link', 'set', port, 'master', 'bridge0']);
      }
      this.inPod(proxy, ['ip', 'link', 'set', 'bridge0', 'up']);
      const v4 = (host: number) => `172.16.${c.net}.${host}`;
      const v6 = (host: number) => `fd00:0:0:${c.net}::${host}`;
      this.address(proxy, 'bridge0', c, 1);
      this.address(frontend, feIf.a, c, 2);
      this.address(target, pxTarget.b, c, 3);
      for (const family of c.ipv6 ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const)) {
        for (const argv of shortNeighbourTimers('bridge0', family)) this.inPod(proxy, argv);
      }
      // The proxy: a VIP rule per VIP, its table's multipath default route via the conduit's frontends.
      c.vips.forEach((vip, i) => {
        const v6vip = vip.address.includes(':');
        const table = String(c.net * 10 + i + 1);
        const address = vip.address.replace(/\/(32|128)$/, '');
        const fam = v6vip ? '-6' : '-4';
        this.inPod(proxy, ['ip', fam, 'rule', 'add', 'from', address, 'lookup', table, 'priority', '100']);
        this.inPod(proxy, [
          'ip',
          fam,
          'route',
          'add',
          'default',
          'table',
          table,
          'nexthop',
          'via',
          v6vip ? v6(2) : v4(2),
          'dev',
          'bridge0',
        ]);
        // The target holds the VIP and answers from it through the proxy (TAPA's source routing).
        this.inPod(target, [
          'ip',
          'addr',
          'add',
          vip.address,
          'dev',
          pxTarget.b,
          ...(v6vip ? ['nodad'] : []),
        ]);
        this.inPod(target, ['ip', fam, 'rule', 'add', 'from', address, 'lookup', table, 'priority', '100']);
        this.inPod(target, [
          'ip',
          fam,
          'route',
          'add',
          'default',
          'table',
          table,
          'via',
          v6vip ? v6(1) : v4(1),
          'dev',
          pxTarget.b,
        ]);
      });
      this.traffic(proxy, [v4(2), v4(3), ...(c.ipv6 ? [v6(2), v6(3)] : [])]);
      this.traffic(frontend, [v4(1)]);
      this.traffic(target, [v4(1)]);
    }
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

  private vppMain(uid: string): number {
    for (let i = 0; i < 50; i++) {
      for (const pid of readdirPids()) {
        try {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'vpp_main') continue;
          if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(uid)) return pid;
        } catch {
          // Ended while listed.
        }
      }
      execFileSync('sleep', ['0.2']);
    }
    throw new Error(`no vpp_main in forwarder pod ${uid}`);
  }

  /**
   * NSM's kernel mechanism without vhost-net: a veth pair per pod interface, VPP's end an af_packet
   * host-interface; the two VPP interfaces of a connection cross-connected both ways.
   */
  private link(a: PodRef, aName: string, b: PodRef, bName: string): { a: string; b: string } {
    const ends = [this.podInterface(a, aName), this.podInterface(b, bName)];
    const [va, vb] = ends.map((v) => `host-${v}`) as [string, string];
    this.vpp(`set interface l2 xconnect ${va} ${vb}`);
    this.vpp(`set interface l2 xconnect ${vb} ${va}`);
    return { a: aName, b: bName };
  }

  private podInterface(pod: PodRef, name: string): string {
    const vppSide = `mpe-v${this.vethCount++}`;
    this.cluster.onNode([
      'ip',
      'link',
      'add',
      vppSide,
      'type',
      'veth',
      'peer',
      'name',
      'mpe-tmp',
      'netns',
      String(pod.pid),
    ]);
    this.inPod(pod, ['ip', 'link', 'set', 'mpe-tmp', 'name', name]);
    this.inPod(pod, ['ip', 'link', 'set', name, 'up']);
    // VPP's end only carries frames for af_packet: no IPv6 chatter of its own kernel side.
    this.cluster.onNode(['sysctl', '-qw', `net/ipv6/conf/${vppSide}/disable_ipv6=1`]);
    this.cluster.onNode(['ip', 'link', 'set', vppSide, 'up']);
    this.vpp(`create host-interface name ${vppSide}`);
    this.vpp(`set interface state host-${vppSide} up`);
    return vppSide;
  }

  private address(pod: PodRef, dev: string, c: Conduit, host: number): void {
    this.inPod(pod, ['ip', 'addr', 'add', `172.16.${c.net}.${host}/24`, 'dev', dev]);
    if (c.ipv6) this.inPod(pod, ['ip', 'addr', 'add', `fd00:0:0:${c.net}::${host}/64`, 'dev', dev, 'nodad']);
  }

  private traffic(pod: PodRef, destinations: string[]): void {
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

function hex4(net: number, n: number): string {
  return ((net * 0x1000 + n * 0x111) & 0xffff).toString(16).padStart(4, '0');
}

function readdirPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}
