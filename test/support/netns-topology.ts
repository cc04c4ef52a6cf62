import { execFileSync } from 'node:child_process';
import { shortNeighbourTimers } from './neighbours.ts';
import { requireTool } from './tools.ts';

/**
 * The guide's proxy topology on real network namespaces (root only): a proxy with `bridge0` bridging
 * two frontend ports and a target port, two frontends, a target holding the VIPs, the VIP rules and
 * the multipath default routes via both frontends. Names, MACs and addresses are the guide's.
 *
 * Namespaces are named `<prefix>-<role>` so parallel runs and leftovers of a killed run never collide;
 * `destroy()` removes every one of them and is safe to call twice.
 */
export interface TopologyPod {
  namespace: string;
  pod: string;
  role: 'proxy' | 'stateless-lb-frontend' | 'target';
  netns: string;
}

export class GuideTopology {
  readonly pods: Record<'proxy' | 'frontendGhi' | 'frontendJkl' | 'target', TopologyPod>;
  private readonly ip = requireTool('ip');
  private readonly created: string[] = [];

  constructor(readonly prefix: string) {
    const pod = (role: TopologyPod['role'], name: string, short: string): TopologyPod => ({
      namespace: 'red',
      pod: name,
      role,
      netns: `${prefix}-${short}`,
    });
    this.pods = {
      proxy: pod('proxy', 'proxy-conduit-a-1-abc', 'proxy'),
      frontendGhi: pod('stateless-lb-frontend', 'stateless-lb-frontend-attractor-a-1-ghi', 'fe-ghi'),
      frontendJkl: pod('stateless-lb-frontend', 'stateless-lb-frontend-attractor-a-1-jkl', 'fe-jkl'),
      target: pod('target', 'target-a-1', 'target'),
    };
  }

  /** Path of a namespace as the `netns` source takes it. */
  path(p: TopologyPod): string {
    return `/var/run/netns/${p.netns}`;
  }

  /** Run a tool inside a namespace (or on the host when `p` is undefined); throws with stderr on failure. */
  exec(p: TopologyPod | undefined, argv: string[]): string {
    const [bin, ...args] = p ? [this.ip, 'netns', 'exec', p.netns, ...argv] : argv;
    try {
      return execFileSync(bin as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${[bin, ...args].join(' ')}: ${e.stderr || e.message}`);
    }
  }

  private ipIn(p: TopologyPod, args: string): void {
    this.exec(p, ['ip', ...args.split(' ')]);
  }

  create(): void {
    requireTool('ping');
    requireTool('sysctl');
    const { proxy, frontendGhi, frontendJkl, target } = this.pods;
    for (const p of [proxy, frontendGhi, frontendJkl, target]) {
      this.exec(undefined, [this.ip, 'netns', 'add', p.netns]);
      this.created.push(p.netns);
      this.ipIn(p, 'link set lo up');
    }
    this.ipIn(proxy, 'link add bridge0 address 02:fe:d2:cc:a2:95 type bridge');
    // Proxy port ↔ pod interface, as VPP's xconnects join them in the guide (here a veth pair).
    this.veth(
      proxy,
      'conduit-a--1b2a',
      '02:fe:7d:e7:f6:2a',
      frontendGhi,
      'conduit-a--f75b',
      '02:fe:18:32:8d:87',
    );
    this.veth(
      proxy,
      'conduit-a--90c8',
      '02:fe:eb:4a:02:dc',
      frontendJkl,
      'conduit-a--0a17',
      '02:fe:66:8b:f7:da',
    );
    this.veth(proxy, 'proxy.cond-97e3', '02:fe:d4:d5:c4:53', target, 'nsm-0', '02:fe:c2:14:ec:dd');
    this.ipIn(proxy, 'link set conduit-a--90c8 mtu 1400');
    this.ipIn(frontendJkl, 'link set conduit-a--0a17 mtu 1400');
    this.ipIn(proxy, 'link set bridge0 mtu 1400');
    for (const port of ['conduit-a--90c8', 'conduit-a--1b2a', 'proxy.cond-97e3']) {
      this.ipIn(proxy, `link set ${port} master bridge0`);
    }
    this.ipIn(proxy, 'addr add 172.16.1.1/24 dev bridge0');
    this.ipIn(proxy, 'addr add fd00:0:0:1::1/64 dev bridge0 nodad');
    this.addr(proxy, 'conduit-a--90c8', 3);
    this.addr(proxy, 'conduit-a--1b2a', 5);
    this.addr(proxy, 'proxy.cond-97e3', 7);
    this.addr(frontendGhi, 'conduit-a--f75b', 4);
    this.addr(frontendJkl, 'conduit-a--0a17', 2);
    this.addr(target, 'nsm-0', 6);
    this.ipIn(target, 'addr add 20.0.0.1/32 dev nsm-0');
    this.ipIn(target, 'addr add 2000::1/128 dev nsm-0 nodad');
    for (const p of [proxy, frontendGhi, frontendJkl, target]) {
      for (const l of this.links(p)) this.ipIn(p, `link set ${l} up`);
    }
    this.ipIn(proxy, 'link set bridge0 up');
    // Short neighbour timers so a broken link shows as FAILED within seconds in the tests.
    for (const family of ['ipv4', 'ipv6'] as const) {
      for (const argv of shortNeighbourTimers('bridge0', family)) this.exec(proxy, argv);
    }
    this.ipIn(proxy, 'rule add from 20.0.0.1 lookup 1 priority 32765');
    this.ipIn(
      proxy,
      'route add default table 1 nexthop via 172.16.1.2 dev bridge0 weight 1 nexthop via 172.16.1.4 dev bridge0 weight 1',
    );
    this.ipIn(proxy, '-6 rule add from 2000::1 lookup 2 priority 32765');
    this.ipIn(
      proxy,
      '-6 route add default table 2 nexthop via fd00:0:0:1::2 dev bridge0 weight 1 nexthop via fd00:0:0:1::4 dev bridge0 weight 1',
    );
    this.ipIn(target, 'route add default via 172.16.1.1 dev nsm-0');
    this.trafficAcross();
  }

  private veth(
    a: TopologyPod,
    aName: string,
    aMac: string,
    b: TopologyPod,
    bName: string,
    bMac: string,
  ): void {
    const tmp = `v${process.pid % 100000}${aName.length}${bName.length}`;
    this.exec(undefined, [
      this.ip,
      'link',
      'add',
      tmp,
      'netns',
      a.netns,
      'type',
      'veth',
      'peer',
      'name',
      `${tmp}p`,
      'netns',
      b.netns,
    ]);
    this.ipIn(a, `link set ${tmp} name ${aName} address ${aMac}`);
    this.ipIn(b, `link set ${tmp}p name ${bName} address ${bMac}`);
  }

  private addr(p: TopologyPod, dev: string, host: number): void {
    this.ipIn(p, `addr add 172.16.1.${host}/24 dev ${dev}`);
    this.ipIn(p, `addr add fd00:0:0:1::${host}/64 dev ${dev} nodad`);
  }

  private links(p: TopologyPod): string[] {
    const out = JSON.parse(this.exec(p, ['ip', '-json', 'link', 'show'])) as { ifname: string }[];
    return out.map((l) => l.ifname).filter((n) => n !== 'lo');
  }

  /** Ping across the bridge so the proxy learns its neighbours and the bridge its FDB. */
  trafficAcross(): void {
    const { proxy, frontendGhi, frontendJkl, target } = this.pods;
    const ping = (p: TopologyPod, dst: string) => this.exec(p, ['ping', '-c', '1', '-W', '2', dst]);
    ping(proxy, '172.16.1.2');
    ping(proxy, '172.16.1.4');
    ping(proxy, 'fd00:0:0:1::2');
    ping(proxy, 'fd00:0:0:1::4');
    ping(frontendGhi, '172.16.1.1');
    ping(frontendJkl, '172.16.1.1');
    ping(target, '172.16.1.1');
  }

  destroy(): void {
    for (const ns of this.created.splice(0)) {
      try {
        execFileSync(this.ip, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * Remove namespaces of earlier runs that were killed before they cleaned up: names are
 * `<base><pid>-…`, and only those whose process is gone are removed.
 */
export function removeStaleNamespaces(base: string): void {
  const ip = requireTool('ip');
  const out = execFileSync(ip, ['netns', 'list'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${base}(\\d+)-`).exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    try {
      execFileSync(ip, ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // Raced with another cleanup.
    }
  }
}

/** Whether a process of this pid runs (a run that left namespaces behind may still be going). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
