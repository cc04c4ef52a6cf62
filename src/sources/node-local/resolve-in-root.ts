import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

/** More symlinks than this on one path is a loop (Linux's own limit is 40). */
const MAX_LINKS = 40;

/**
 * `path` as seen by a process whose root is `root` (`/proc/<pid>/root`), as a path this process can
 * open. The kernel resolves an absolute symlink met under `/proc/<pid>/root` against the *reader's*
 * root, so `/var/run -> /run` in a container image would lead to the node's /run; this follows each
 * link itself and keeps it inside `root`. Returns undefined when a part does not exist.
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  const pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop(); // never above the root
      continue;
    }
    const candidate = posix.join(root, ...done, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = readlinkSync(candidate);
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return posix.join(root, ...done);
}
