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
  for (const [path, target] of fdLinks(pid, procRoot)) if (target === SEGMENT_LINK) return path;
  return undefined;
}

/** Each open fd of `pid` as (`/proc/<pid>/fd/<n>`, what it links to); fds closed meanwhile are left out. */
function* fdLinks(pid: number, procRoot: string): Generator<[string, string]> {
  const dir = `${procRoot}/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      yield [`${dir}/${fd}`, readlinkSync(`${dir}/${fd}`)];
    } catch {
      // The fd was closed between the listing and the look.
    }
  }
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
 * The `vpp_main` process that serves `socketPath`: the one holding a listening unix socket whose path,
 * resolved inside its own root, is the same file as `socketPath` here. `/proc/<pid>/net/unix` lists
 * every socket of the process's network namespace, so the socket's inode must also be one of the
 * process's own fds. Matching the file (device and inode) rather than the path text finds the right
 * VPP also when its socket is mounted into this container at another path.
 */
export function vppServingSocket(socketPath: string, procRoot = '/proc'): number | undefined {
  let want: { dev: number; ino: number };
  try {
    want = statSync(socketPath);
  } catch {
    return undefined;
  }
  for (const pid of vppMainProcesses(procRoot)) {
    const candidates = listeningSockets(pid, procRoot).filter((s) => {
      const resolved = resolveInRoot(`${procRoot}/${pid}/root`, s.path);
      if (!resolved) return false;
      try {
        const st = statSync(resolved);
        return st.dev === want.dev && st.ino === want.ino;
      } catch {
        return false;
      }
    });
    if (candidates.length === 0) continue;
    const own = socketInodesOf(pid, procRoot);
    if (candidates.some((c) => own.has(c.inode))) return pid;
  }
  return undefined;
}

/** Listening unix sockets of `pid`'s network namespace (`/proc/<pid>/net/unix`): path and socket inode. */
function listeningSockets(pid: number, procRoot: string): { path: string; inode: string }[] {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/net/unix`, 'latin1');
  } catch {
    return [];
  }
  const out: { path: string; inode: string }[] = [];
  // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is __SO_ACCEPTCON (listening).
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !(Number.parseInt(f[3] as string, 16) & 0x10000)) continue;
    const path = f.slice(7).join(' ');
    if (path.startsWith('/')) out.push({ path, inode: f[6] as string });
  }
  return out;
}

/** Inodes of the sockets `pid` holds open (`/proc/<pid>/fd/N -> socket:[inode]`). */
function socketInodesOf(pid: number, procRoot: string): Set<string> {
  const inodes = new Set<string>();
  for (const [, target] of fdLinks(pid, procRoot)) {
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1] as string);
  }
  return inodes;
}
