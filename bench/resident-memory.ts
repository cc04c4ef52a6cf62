import { readFileSync } from 'node:fs';

/**
 * Resident memory of a process in MB: all of it, its anonymous part (the process's own heap, buffers
 * and stacks) and the file-backed part (mostly the node binary's pages: clean, shared, reclaimable).
 */
export function residentMb(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}
