import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeStaleNamespaces } from './netns-topology.ts';
import { requireTool } from './tools.ts';

/**
 * A real VPP per test file (root only): its own run directory, API-segment prefix and network
 * namespace, so several can run at once and nothing reaches the host's interfaces. Pod namespaces,
 * veths and VxLAN peers made through it are removed by `stop()`, by the exit handler when the test
 * process dies first, or by a guardian shell when it is SIGKILLed.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const NETNS_BASE = 'mpe-vpp-';

/** The VPP bundle the tests run: `MPE_TEST_VPP_DIR`, else `../shared/vpp-v26.06`; undefined without `bin/vpp`. */
export function vppBundleDir(): string | undefined {
  const dir = bundleCandidate();
  return existsSync(join(dir, 'bin', 'vpp')) ? dir : undefined;
}

function bundleCandidate(): string {
  return resolve(process.env.MPE_TEST_VPP_DIR || join(REPO_ROOT, '..', 'shared', 'vpp-v26.06'));
}

/**
 * For `describe(..., { skip: liveVppOrSkip() })`: false when a live VPP can run. Without a VPP (or
 * without root) the tests skip with one line, except in CI, where that fails the run. Missing tools
 * always fail (tools.ts).
 */
export function liveVppOrSkip(): string | false {
  const missing = !vppBundleDir()
    ? `no VPP bundle with bin/vpp at ${bundleCandidate()}; set MPE_TEST_VPP_DIR to a VPP build to run the live VPP tests`
    : process.getuid?.() !== 0
      ? 'live VPP tests need root (network namespaces, af_packet); set MPE_TEST_VPP_DIR and run as root'
      : undefined;
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);
    return missing;
  }
  requireTool('ip');
  requireTool('ping');
  requireTool('sysctl');
  return false;
}

export interface LiveVppOptions {
  /** Part of the namespace name, to tell instances apart in `ip netns list`. */
  name?: string;
  /** `statseg { per-node-counters on }`. */
  perNodeCounters?: boolean;
  /** Appended to startup.conf as is. */
  extraStartup?: string;
}

export interface AfPacketOptions {
  /** The veth end in VPP's namespace (at most 15 characters); VPP names the interface `host-<it>`. */
  vppIfName: string;
  podIfName: string;
  /** Addresses with prefix length, e.g. `10.9.0.1/24`. */
  podAddr4?: string;
  podAddr6?: string;
  vppAddr4?: string;
  vppAddr6?: string;
}

export interface VxlanOptions {
  /** VPP's underlay address (already on one of its interfaces), without prefix length. */
  src: string;
  /** The pod's underlay address, without prefix length. */
  dst: string;
  vni: number;
  /** Name of the Linux vxlan device in the pod namespace. */
  linuxIfName: string;
  /** Overlay addresses of the Linux device, with prefix length. */
  linuxAddr4?: string;
  linuxAddr6?: string;
}

let sequence = 0;
const running = new Set<LiveVpp>();
let exitHandlerInstalled = false;

/**
 * A test file that dies (uncaught error, process.exit, a signal it gets to handle) still kills its VPPs
 * and removes their namespaces. `node --test` SIGKILLs a file's process on Ctrl-C, where no handler
 * runs: the guardian (below) covers that.
 */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const vpp of running) vpp.cleanupSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const vpp of running) vpp.cleanupSync();
      // Die of the same signal, as without this handler.
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Run as `sh -c GUARDIAN guard <test pid> <run dir> <ip> <api prefix>`, outside the test's process
 * group: once the test process is gone and the run directory is still there, kill the VPP whose pid
 * file and working directory are that run's, delete the namespaces listed in it, and the rest.
 */
const GUARDIAN = `
while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 0.5; done
[ -d "$2" ] || exit 0
pid=$(cat "$2/vpp.pid" 2>/dev/null)
if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = vpp_main ] && [ "$(readlink /proc/$pid/cwd)" = "$2" ]; then
  kill -KILL "$pid"
fi
while read -r ns; do "$3" netns del "$ns" 2>/dev/null; done < "$2/namespaces"
rm -f "/dev/shm/$4-global_vm" "/dev/shm/$4-vpe-api"
rm -rf "$2"
`;

export class LiveVpp {
  readonly cliSocket: string;
  readonly statsSocket: string;
  private readonly ip = requireTool('ip');
  private readonly vppctlBin: string;
  private readonly podNamespaces: string[] = [];
  /** Veths as (namespace, name) of the end that deletes the pair. */
  private readonly veths: { ns: string; name: string }[] = [];
  private child?: ChildProcess;
  private childExited?: Promise<void>;
  private guardian?: ChildProcess;
  private vppPid = 0;
  private scripts = 0;
  private stopped = false;

  private constructor(
    readonly bundleDir: string,
    readonly runDir: string,
    readonly netns: string,
    private readonly prefix: string,
  ) {
    this.cliSocket = join(runDir, 'cli.sock');
    this.statsSocket = join(runDir, 'stats.sock');
    this.vppctlBin = join(bundleDir, 'bin', 'vppctl');
  }

  /** VPP's own pid (`/proc/<pid>/comm` is `vpp_main`), not that of a wrapper. */
  get pid(): number {
    return this.vppPid;
  }

  static async start(opts: LiveVppOptions = {}): Promise<LiveVpp> {
    const bundle = vppBundleDir();
    if (!bundle) throw new Error('no VPP bundle: set MPE_TEST_VPP_DIR to a directory with bin/vpp');
    installExitHandler();
    // Leftovers the guardian could not remove either: their names carry the dead runner's pid.
    removeStaleNamespaces(NETNS_BASE);
    const seq = ++sequence;
    const tag = (opts.name ?? '').replace(/[^a-z0-9]/gi, '').slice(0, 12);
    const netns = `${NETNS_BASE}${process.pid}-${seq}${tag ? `-${tag}` : ''}`;
    // The real path: the guardian compares it with VPP's working directory.
    const runDir = realpathSync(mkdtempSync(join(tmpdir(), 'mpe-vpp-')));
    const vpp = new LiveVpp(bundle, runDir, netns, `mpevpp${process.pid}x${seq}`);
    running.add(vpp);
    try {
      vpp.startGuardian();
      vpp.addNamespace(netns);
      writeFileSync(join(runDir, 'startup.conf'), vpp.startupConf(opts));
      await vpp.launch();
    } catch (err) {
      vpp.cleanupSync();
      throw err;
    }
    return vpp;
  }

  private startGuardian(): void {
    writeFileSync(join(this.runDir, 'namespaces'), '');
    const guardian = spawn(
      'sh',
      ['-c', GUARDIAN, 'guard', String(process.pid), this.runDir, this.ip, this.prefix],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    guardian.unref();
    this.guardian = guardian;
  }

  /** Create a namespace, listed first in the run directory for the guardian. */
  private addNamespace(ns: string): void {
    appendFileSync(join(this.runDir, 'namespaces'), `${ns}\n`);
    this.run([this.ip, 'netns', 'add', ns]);
    this.run([this.ip, '-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** The README's startup.conf with this instance's paths. */
  private startupConf(opts: LiveVppOptions): string {
    const run = this.runDir;
    const plugins = ['af_packet', 'vxlan', 'ping', 'tap'].map((p) => `plugin ${p}_plugin.so { enable }`);
    return [
      `unix { nodaemon runtime-dir ${run} cli-listen ${run}/cli.sock log ${run}/vpp.log pidfile ${run}/vpp.pid cli-no-pager }`,
      `api-segment { prefix ${this.prefix} }`,
      `socksvr { socket-name ${run}/api.sock }`,
      'memory { main-heap-size 256M main-heap-page-size 4k }',
      'buffers { buffers-per-numa 4096 page-size 4k }',
      `statseg { size 32M page-size 4k socket-name ${run}/stats.sock${opts.perNodeCounters ? ' per-node-counters on' : ''} }`,
      `plugins { path ${this.bundleDir}/plugins plugin default { disable } ${plugins.join(' ')} }`,
      opts.extraStartup ?? '',
      '',
    ].join('\n');
  }

  /** Start VPP in its namespace and own process group; resolves once its CLI answers. */
  private async launch(): Promise<void> {
    rmSync(join(this.runDir, 'vpp.pid'), { force: true });
    const out = openSync(join(this.runDir, 'vpp.out'), 'a');
    const child = spawn(
      this.ip,
      ['netns', 'exec', this.netns, join(this.bundleDir, 'bin', 'vpp'), '-c', 'startup.conf'],
      { cwd: this.runDir, detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    // The exit handler kills VPP: an unref'd child never keeps a finished test file alive.
    child.unref();
    let exited = false;
    this.child = child;
    this.childExited = new Promise((resolveExit) =>
      child.once('exit', () => {
        exited = true;
        resolveExit();
      }),
    );
    const end = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`VPP exited during start-up\n${this.logTail()}`);
      if (this.answers()) break;
      if (Date.now() > end) {
        throw new Error(
          `VPP did not answer on ${this.cliSocket} within ${READY_TIMEOUT_MS} ms\n${this.logTail()}`,
        );
      }
      await sleep(50);
    }
    // `ip netns exec` execs VPP in place, so the pid file names the process spawned; check rather than assume.
    const pid = Number(readFileSync(join(this.runDir, 'vpp.pid'), 'utf8').trim());
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'vpp_main') throw new Error(`pid ${pid} from vpp.pid is ${comm}, not vpp_main`);
    this.vppPid = pid;
  }

  private answers(): boolean {
    try {
      const out = execFileSync(this.vppctlBin, ['-s', this.cliSocket, 'show', 'version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      });
      return out.startsWith('vpp v');
    } catch {
      return false;
    }
  }

  private logTail(): string {
    const tail = (file: string) => {
      try {
        return readFileSync(join(this.runDir, file), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      } catch {
        return '(none)';
      }
    };
    return `--- ${this.runDir}/vpp.out (stdout/stderr):\n${tail('vpp.out')}\n--- vpp.log:\n${tail('vpp.log')}`;
  }

  /**
   * Run one CLI command with VPP's own vppctl. vppctl exits 0 even when VPP rejects a command, so an
   * output shaped like VPP's errors (`<command words>: <message>`) throws as well.
   */
  vppctl(command: string): string {
    const out = this.run([this.vppctlBin, '-s', this.cliSocket, ...command.trim().split(/\s+/)]);
    const error = cliError(command, out);
    if (error) throw new Error(`vppctl ${command}: ${error}`);
    return out;
  }

  /** Many commands in one round trip (`exec` of a script in the run directory); stops at the first error. */
  vppctlScript(commands: readonly string[]): string {
    const file = join(this.runDir, `script-${++this.scripts}.cli`);
    writeFileSync(file, `${commands.join('\n')}\n`);
    const out = this.run([this.vppctlBin, '-s', this.cliSocket, 'exec', file]);
    // exec stops at the first rejected line with `exec: CLI line error: <rest of it>`, not naming the line.
    const failed = out.split(/\r?\n/).find((l) => l.startsWith('exec: '));
    if (failed) throw new Error(`vppctl exec of [${commands.join('; ')}]: ${out.trim()}`);
    return out;
  }

  /** Interface names as `show interface` lists them. */
  interfaceNames(): string[] {
    return this.vppctl('show interface')
      .split(/\r?\n/)
      .slice(1)
      .flatMap((l) => /^(\S+)\s+\d+\s/.exec(l)?.[1] ?? []);
  }

  /** SIGTERM the process group, SIGKILL after 3 s, then remove namespaces, veths and the run dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.stopProcess();
    this.cleanupSync();
  }

  /** SIGKILL VPP alone, like a crash: no cleanup, the namespaces and veths stay for `restart()`. */
  kill(): void {
    if (this.vppPid > 0) {
      try {
        process.kill(this.vppPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Resolves once the VPP process has exited (at once when none runs). */
  async exited(): Promise<void> {
    await this.childExited;
  }

  /** A fresh VPP (new pid, empty configuration) on the same paths and namespace. */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.launch();
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.signalGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      this.childExited?.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), STOP_GRACE_MS);
      }),
    ]);
    // A pending grace timer would keep a finished test file alive for its full 3 s.
    clearTimeout(timer);
    if (!gone) {
      this.signalGroup('SIGKILL');
      await this.childExited;
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const child = this.child;
    // Once reaped, the group id may belong to someone else.
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const pgid = child.pid;
    try {
      process.kill(-pgid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** Synchronous, for the exit handler too: kill what is left, delete what was created. */
  cleanupSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    running.delete(this);
    this.signalGroup('SIGKILL');
    // Deleting one end of a veth deletes the pair; deleting a namespace deletes the veths in it.
    for (const v of this.veths.splice(0)) this.tryRun([this.ip, '-n', v.ns, 'link', 'del', v.name]);
    for (const ns of [...this.podNamespaces.splice(0), this.netns])
      this.tryRun([this.ip, 'netns', 'del', ns]);
    // A killed VPP leaves its API segment behind in /dev/shm.
    for (const f of ['global_vm', 'vpe-api']) rmSync(`/dev/shm/${this.prefix}-${f}`, { force: true });
    rmSync(this.runDir, { recursive: true, force: true });
    // Nothing left to guard (it would also notice the run directory is gone within half a second).
    const guardian = this.guardian;
    if (guardian?.pid && guardian.exitCode === null && guardian.signalCode === null) {
      try {
        process.kill(-guardian.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** A pod namespace `<vpp netns>-<short>`, removed by `stop()`. */
  addPodNamespace(short: string): string {
    const ns = `${this.netns}-${short}`;
    this.podNamespaces.push(ns);
    this.addNamespace(ns);
    return ns;
  }

  /**
   * A veth from VPP's namespace into `podNs`, attached to VPP as an af_packet host-interface, both
   * ends up and addressed as given. Returns VPP's interface name, `host-<vppIfName>`. VPP's end has
   * no IPv6 and the pod ignores router advertisements, so a pod nobody talks to stays quiet.
   */
  afPacketTo(podNs: string, o: AfPacketOptions): string {
    const ip = this.ip;
    const peer = ['peer', 'name', o.podIfName, 'netns', podNs];
    this.run([ip, 'link', 'add', o.vppIfName, 'netns', this.netns, 'type', 'veth', ...peer]);
    this.veths.push({ ns: this.netns, name: o.vppIfName });
    // A kernel booted without IPv6 has none of these settings, and none of the chatter they stop.
    const ipv6 = existsSync('/proc/sys/net/ipv6');
    // VPP's end is only a carrier for af_packet: without IPv6 its kernel sends no router
    // solicitations or listener reports of its own, which VPP would count as received.
    if (ipv6) this.sysctl(this.netns, `net/ipv6/conf/${o.vppIfName}/disable_ipv6=1`);
    this.run([ip, '-n', this.netns, 'link', 'set', o.vppIfName, 'up']);
    // Pods take their addresses from the test, not from router advertisements (and so solicit none):
    // otherwise VPP's answer starts address autoconfiguration at times of the kernel's choosing,
    // which moves the counters of an interface a test expects quiet.
    if (ipv6) this.sysctl(podNs, `net/ipv6/conf/${o.podIfName}/accept_ra=0`);
    this.run([ip, '-n', podNs, 'link', 'set', o.podIfName, 'up']);
    if (o.podAddr4) this.run([ip, '-n', podNs, 'addr', 'add', o.podAddr4, 'dev', o.podIfName]);
    // nodad: the address is usable at once, not after duplicate address detection.
    if (o.podAddr6) this.run([ip, '-n', podNs, 'addr', 'add', o.podAddr6, 'dev', o.podIfName, 'nodad']);
    const name = `host-${o.vppIfName}`;
    this.vppctlScript([
      `create host-interface name ${o.vppIfName}`,
      `set interface state ${name} up`,
      ...[o.vppAddr4, o.vppAddr6].flatMap((a) => (a ? [`set interface ip address ${name} ${a}`] : [])),
    ]);
    return name;
  }

  /** One `sysctl` setting (`key=value`, the key with slashes: interface names may hold dots) inside a network namespace. */
  private sysctl(ns: string, setting: string): void {
    this.run([this.ip, 'netns', 'exec', ns, 'sysctl', '-qw', setting]);
  }

  /** An L2 cross-connect in both directions. */
  xconnect(a: string, b: string): void {
    this.vppctlScript([`set interface l2 xconnect ${a} ${b}`, `set interface l2 xconnect ${b} ${a}`]);
  }

  /** A bridge domain with these members and, optionally, a BVI (e.g. a loopback). */
  bridge(bdId: number, members: readonly string[], bvi?: string): void {
    this.vppctlScript([
      `create bridge-domain ${bdId}`,
      ...(bvi ? [`set interface l2 bridge ${bvi} ${bdId} bvi`] : []),
      ...members.map((m) => `set interface l2 bridge ${m} ${bdId}`),
    ]);
  }

  /** Add L3 addresses (with prefix length) to a VPP interface. */
  address(ifName: string, ...addrs: string[]): void {
    this.vppctlScript(addrs.map((a) => `set interface ip address ${ifName} ${a}`));
  }

  /** `n` new loopbacks in one round trip, optionally up; returns their names. */
  loopbacks(n: number, opts: { up?: boolean } = {}): string[] {
    const before = new Set(this.interfaceNames());
    this.vppctlScript(Array.from({ length: n }, () => 'create loopback interface'));
    // Sorted by instance: `show interface` lists loop10 before loop1.
    const created = this.interfaceNames()
      .filter((x) => !before.has(x))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (created.length !== n) throw new Error(`asked for ${n} loopbacks, VPP lists ${created.length} new`);
    if (opts.up) this.vppctlScript(created.map((l) => `set interface state ${l} up`));
    return created;
  }

  /**
   * A VxLAN tunnel from VPP to a Linux vxlan device in `podNs` over an underlay that already exists.
   * The Linux side has `noudpcsum`: VPP sends zero UDP checksums, which the kernel would otherwise drop.
   * Returns the tunnel's VPP interface name (up).
   */
  vxlanTo(podNs: string, o: VxlanOptions): string {
    const out = this.vppctl(`create vxlan tunnel src ${o.src} dst ${o.dst} vni ${o.vni}`);
    const name = out.trim();
    if (!/^vxlan_tunnel\d+$/.test(name))
      throw new Error(`create vxlan tunnel answered ${JSON.stringify(out)}`);
    this.vppctl(`set interface state ${name} up`);
    const ip = this.ip;
    const ends = ['local', o.dst, 'remote', o.src, 'dstport', '4789', 'noudpcsum'];
    this.run([ip, '-n', podNs, 'link', 'add', o.linuxIfName, 'type', 'vxlan', 'id', String(o.vni), ...ends]);
    this.run([ip, '-n', podNs, 'link', 'set', o.linuxIfName, 'up']);
    if (o.linuxAddr4) this.run([ip, '-n', podNs, 'addr', 'add', o.linuxAddr4, 'dev', o.linuxIfName]);
    if (o.linuxAddr6) {
      this.run([ip, '-n', podNs, 'addr', 'add', o.linuxAddr6, 'dev', o.linuxIfName, 'nodad']);
    }
    return name;
  }

  /** `count` pings from a pod namespace (0.2 s apart, 1 s wait each); true when any reply came back. */
  ping(ns: string, addr: string, count = 3): boolean {
    try {
      execFileSync(
        this.ip,
        ['netns', 'exec', ns, 'ping', '-c', String(count), '-i', '0.2', '-W', '1', addr],
        {
          stdio: 'ignore',
          timeout: 5000 + count * 1000,
        },
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Run a tool; throws with its stderr. */
  private run(argv: string[]): string {
    const [bin, ...args] = argv;
    try {
      return execFileSync(bin as string, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 15_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${argv.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }

  private tryRun(argv: string[]): void {
    try {
      execFileSync(argv[0] as string, argv.slice(1), { stdio: 'ignore', timeout: 15_000 });
    } catch {
      // Already gone.
    }
  }
}

/**
 * VPP reports a rejected command as text: the command's leading words, a colon, the reason
 * (`set interface state: unknown interface ...`, `exec: CLI line error: ...`).
 */
function cliError(command: string, output: string): string | undefined {
  const cmd = command.trim().split(/\s+/);
  // Not only the first line: `create sub-interfaces` can print a name, then its error.
  for (const line of output.split(/\r?\n/)) {
    const m = /^([a-z][\w -]*): /.exec(line);
    if (m && (m[1] as string).split(' ').every((w, i) => cmd[i] === w)) return output.trim();
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
