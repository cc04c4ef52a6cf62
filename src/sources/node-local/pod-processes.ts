import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds the processes of pods on this node from `/proc` (the agent runs with hostPID). The kubelet
 * puts every container of a pod in a cgroup whose path holds the pod UID: `pod<uid>` with the cgroupfs
 * driver, `pod<uid with _ for ->.slice` with the systemd driver, in cgroup v1 and v2 alike.
 *
 * A found PID is re-checked (one small read) before each use and the full scan runs again only for
 * pods not found or whose process went away.
 */
export class PodProcessFinder {
  /** Pod UID → what was looked for (`any` or a command name) → the PID found. */
  private readonly pidOf = new Map<string, Map<string, number>>();
  /** Full scans of /proc so far (for the bench and tests). */
  scans = 0;

  constructor(private readonly procRoot = '/proc') {}

  /** A process of the pod (any container: they share the network namespace), if one runs. */
  anyProcess(uid: string): number | undefined {
    return this.find(uid, 'any', () => true);
  }

  /** The process of the pod whose command name is `comm` (VPP's main thread is `vpp_main`). */
  processNamed(uid: string, comm: string): number | undefined {
    return this.find(uid, comm, (pid) => this.comm(pid) === comm);
  }

  /** Forget pods that are gone, so the cache stays the size of the node's pods. */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of this.pidOf.keys()) if (!uids.has(uid)) this.pidOf.delete(uid);
  }

  private find(uid: string, what: string, accept: (pid: number) => boolean): number | undefined {
    const found = this.pidOf.get(uid) ?? new Map<string, number>();
    const known = found.get(what);
    if (known !== undefined && this.belongsTo(known, uid) && accept(known)) return known;
    found.delete(what);
    this.scans++;
    for (const pid of this.pids()) {
      if (this.belongsTo(pid, uid) && accept(pid)) {
        this.pidOf.set(uid, found.set(what, pid));
        return pid;
      }
    }
    return undefined;
  }

  private pids(): number[] {
    try {
      return readdirSync(this.procRoot)
        .filter((n) => /^[1-9][0-9]*$/.test(n))
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  private belongsTo(pid: number, uid: string): boolean {
    const cgroup = this.read(join(this.procRoot, String(pid), 'cgroup'));
    return cgroup !== undefined && cgroupHoldsPod(cgroup, uid);
  }

  private comm(pid: number): string | undefined {
    return this.read(join(this.procRoot, String(pid), 'comm'))?.trim();
  }

  private read(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined; // the process ended between listing and reading
    }
  }
}

/** True when a `/proc/<pid>/cgroup` text places the process in the pod with this UID. */
export function cgroupHoldsPod(cgroup: string, uid: string): boolean {
  if (!/^[0-9a-f-]{8,64}$/i.test(uid)) return false;
  const lower = uid.toLowerCase();
  const systemd = lower.replace(/-/g, '_');
  for (const line of cgroup.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    for (const part of path.split('/')) {
      if (part === `pod${lower}` || part.endsWith(`-pod${systemd}.slice`)) return true;
    }
  }
  return false;
}
