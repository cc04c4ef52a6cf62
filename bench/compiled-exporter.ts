import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
let built = false;

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** What the Dockerfile's ENTRYPOINT gives every exporter process: its node flags, read from it. */
const DOCKERFILE_NODE_FLAGS: readonly string[] = JSON.parse(
  `[${/^ENTRYPOINT \["node", (.*), "dist\/main\.js"\]$/m.exec(DOCKERFILE)?.[1] ?? ''}]`,
);
/** The glibc setting of the Dockerfile's ENV, read from it. */
const DOCKERFILE_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  [...DOCKERFILE.matchAll(/^ENV (MALLOC_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
);
if (DOCKERFILE_NODE_FLAGS.length === 0 || !DOCKERFILE_ENV.MALLOC_MMAP_THRESHOLD_) {
  throw new Error('Dockerfile: no ENTRYPOINT node flags or MALLOC_MMAP_THRESHOLD_ to run the bench with');
}

/**
 * `dist/main.js` in its own process, run as the Dockerfile runs it: a small V8 young generation and
 * glibc's mmap threshold (freed large buffers go back to the kernel). Compiles once per bench run.
 */
export function startCompiledExporter(args: readonly string[], settings: NodeSettings = {}): ChildProcess {
  if (!built) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
    built = true;
  }
  return startWithDockerfileSettings(join(ROOT, 'dist/main.js'), [...args, '--log.level=error'], settings);
}

/** What a bench process runs with beyond the Dockerfile's settings. */
export interface NodeSettings {
  /** Node flags after the Dockerfile's (a preload, a profiler): added to them, never in their place. */
  extraNodeFlags?: readonly string[];
  /** V8's defaults instead of the Dockerfile's node flags (its glibc setting stays), for comparison. */
  v8Defaults?: boolean;
  env?: Readonly<Record<string, string>>;
}

/** Any script run with the Dockerfile's node flags and environment (the floors compared with the exporter). */
export function startWithDockerfileSettings(
  script: string,
  args: readonly string[],
  settings: NodeSettings = {},
): ChildProcess {
  const nodeFlags = [
    ...(settings.v8Defaults ? [] : DOCKERFILE_NODE_FLAGS),
    ...(settings.extraNodeFlags ?? []),
  ];
  return spawn(process.execPath, [...nodeFlags, script, ...args], {
    stdio: 'ignore',
    env: { ...process.env, ...DOCKERFILE_ENV, ...settings.env },
  });
}

/**
 * Resident memory of a process in MB: all of it, its anonymous part (the process's own heap, buffers
 * and stacks) and the file-backed part (mostly the node binary's pages: clean, shared, reclaimable).
 */
export function residentMb(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}
