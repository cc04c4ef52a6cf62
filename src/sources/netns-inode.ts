import { stat } from 'node:fs/promises';

/** Named namespaces of iproute2: the same files wherever VPP and the agent run on one host. */
const NAMED_NETNS = /^\/(var\/)?run\/netns\/[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
/** What NSM's forwarder hands VPP: a namespace file descriptor of a process, or its ns link. */
const PROCESS_NETNS = /^\/proc\/[1-9][0-9]{0,9}\/(fd\/[0-9]{1,9}|ns\/net)$/;

/** A `host-ns` path VPP printed that names a named network namespace. */
export function isNamedNetnsPath(path: string): boolean {
  return NAMED_NETNS.test(path);
}

/** A `host-ns` path the agent will look at inside VPP's container (node-local). */
export function isHostNsPath(path: string): boolean {
  return NAMED_NETNS.test(path) || PROCESS_NETNS.test(path);
}

/** The inode of the network namespace a path opens (stat follows /proc's fd and ns links). */
export async function netnsInode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).ino;
  } catch {
    return undefined;
  }
}

/**
 * Inodes of several `host-ns` paths, each read at `local(path)`; paths it cannot read are left out.
 * Answers with what it has when `timeoutMs` passes: a stat on /proc does not hang, but nothing here may.
 */
export async function netnsInodes(
  paths: readonly string[],
  local: (path: string) => string | undefined,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const reads = [...new Set(paths)].map(async (p) => {
    const at = local(p);
    const inode = at === undefined ? undefined : await netnsInode(at);
    if (inode !== undefined) found.set(p, inode);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(reads), timeout]);
  clearTimeout(timer);
  return new Map(found);
}
