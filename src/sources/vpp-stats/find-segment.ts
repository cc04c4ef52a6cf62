import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { resolveInRoot } from '../node-local/resolve-in-root.ts';

/** VPP's main process, by the name it gives its main thread. */
export const VPP_MAIN = 'vpp_main';

/** How the kernel names VPP's stats memfd in `/proc/<pid>/fd` (`memfd_create("stat segment")`). */
const SEGMENT_LINK = '/memfd:stat segment (deleted)';

/** True while `path` (`/proc/<pid>/fd/<n>`) is still a stats segment memfd. */
export function isSegmentLink(path: string): boolean {
  try {
    return readlinkSync(path) === SEGMENT_LINK;
  } catch {
    return false;
  }
}

/** `/proc/<pid>/fd/<n>` of VPP's stats segment memfd, or undefined when the process has none (or is gone). */
export function segmentFdPath(pid: number, procRoot = '/proc'): string | undefined {
  const dir = `${procRoot}/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`${dir}/${fd}`) === SEGMENT_LINK) return `${dir}/${fd}`;
    } catch {
      // The fd was closed between the listing and the look: not the segment.
    }
  }
  return undefined;
}

/** Every `vpp_main` process visible in `procRoot`. */
export function vppMainProcesses(procRoot = '/proc'): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`${procRoot}/${e}/comm`, 'latin1').trimEnd() === VPP_MAIN) pids.push(Number(e));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * The `vpp_main` process that serves `socketPath`: the one with a listening unix socket (in its own
 * network namespace's `/proc/<pid>/net/unix`) whose path, resolved inside its own root, is the same
 * file as `socketPath` here. Matching the file (device and inode) rather than the path text finds the
 * right VPP also when its socket is mounted into this container at another path.
 */
export function vppServingSocket(socketPath: string, procRoot = '/proc'): number | undefined {
  let want: { dev: number; ino: number };
  try {
    want = statSync(socketPath);
  } catch {
    return undefined;
  }
  for (const pid of vppMainProcesses(procRoot)) {
    for (const path of listeningSocketPaths(pid, procRoot)) {
      const resolved = resolveInRoot(`${procRoot}/${pid}/root`, path);
      if (!resolved) continue;
      try {
        const st = statSync(resolved);
        if (st.dev === want.dev && st.ino === want.ino) return pid;
      } catch {
        // Not reachable from here: not this one.
      }
    }
  }
  return undefined;
}

/** Paths of the unix sockets in `pid`'s network namespace that are listening (`/proc/<pid>/net/unix`). */
function listeningSocketPaths(pid: number, procRoot: string): string[] {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/net/unix`, 'latin1');
  } catch {
    return [];
  }
  const paths: string[] = [];
  // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is __SO_ACCEPTCON (listening).
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !(Number.parseInt(f[3] as string, 16) & 0x10000)) continue;
    const path = f.slice(7).join(' ');
    if (path.startsWith('/')) paths.push(path);
  }
  return paths;
}
