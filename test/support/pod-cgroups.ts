import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from './tools.ts';

/**
 * Processes that look like a pod's containers to the node-local source (root only): each runs in a
 * cgroup named like the kubelet's (`kubepods/besteffort/pod<uid>`), optionally inside a network
 * namespace, with the command name the test chooses (`vpp_main`). Uses the cgroup v2 hierarchy when
 * one is mounted, else v1's `pids` hierarchy. `stop()` kills them and removes the cgroups.
 */
export class FakePodProcesses {
  private readonly children: ChildProcess[] = [];
  private readonly cgroups: string[] = [];
  readonly root: string;

  constructor(
    private readonly work: string,
    readonly prefix: string,
  ) {
    this.root = cgroupRoot();
  }

  /**
   * Start a long sleep named `comm` in the pod's cgroup; in `netns` when given; in a private mount
   * namespace whose /var/run is `runDir` when given (so its /var/run/vpp is not the host's). Returns its PID.
   */
  async start(uid: string, comm: string, options: { netns?: string; runDir?: string } = {}): Promise<number> {
    const binary = join(this.work, comm);
    if (!existsSync(binary)) copyFileSync(requireTool('sleep'), binary);
    let argv = [binary, '600'];
    if (options.runDir) {
      argv = [
        requireTool('unshare'),
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" /var/run && exec "$0" 600',
        binary,
        options.runDir,
      ];
    }
    if (options.netns) argv = [requireTool('ip'), 'netns', 'exec', options.netns, ...argv];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
    this.children.push(child);
    const pid = await this.waitForComm(child, comm);
    const dir = join(this.root, `${this.prefix}-kubepods`, 'besteffort', `pod${uid}`);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      this.cgroups.push(dir);
    }
    writeFileSync(join(dir, 'cgroup.procs'), `${pid}\n`);
    return pid;
  }

  stop(): void {
    for (const c of this.children) c.kill('SIGKILL');
    // A cgroup can be removed once its processes are gone; they die asynchronously.
    const deadline = Date.now() + 5000;
    for (const dir of [...this.cgroups].reverse()) {
      while (true) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          if (Date.now() > deadline) break;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
      }
    }
    for (const dir of [
      join(this.root, `${this.prefix}-kubepods`, 'besteffort'),
      join(this.root, `${this.prefix}-kubepods`),
    ]) {
      try {
        rmdirSync(dir);
      } catch {
        // already gone, or another run's
      }
    }
  }

  /** The PID of the process `child` ends up exec-ing as `comm` (ip netns exec / unshare exec into it). */
  private async waitForComm(child: ChildProcess, comm: string): Promise<number> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const pid = child.pid;
      if (pid !== undefined) {
        try {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) return pid;
        } catch {
          // not there yet
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`process ${comm} did not start`);
  }
}

/** A cgroup hierarchy this machine lets root create groups in. */
function cgroupRoot(): string {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
  const v2 = mounts.find((l) => l.split(' ')[2] === 'cgroup2')?.split(' ')[1];
  if (v2) return v2;
  const pids = mounts.find(
    (l) => l.split(' ')[2] === 'cgroup' && /(^|,)pids(,|$)/.test(l.split(' ')[3] ?? ''),
  );
  if (pids) return pids.split(' ')[1] as string;
  throw new Error('no cgroup v2 or v1 pids hierarchy is mounted: the node-local tests need one');
}
