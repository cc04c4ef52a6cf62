import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompareAnswer, CompareRequest } from './bcrypt-thread.ts';

/** A valid hash to compare against for unknown users, so their answer takes as long as a known user's. */
const DUMMY_HASH = '$2b$10$ztqtyNkQIj5rvBj64GmVouJvITlYg7JZ2AKixxgSduabrkdggafVK';
/** Remembered successes: a scrape every few seconds must not cost a bcrypt check each. */
const GOOD_LIMIT = 64;
/**
 * Remembered failures, as the exporter toolkit remembers them: a retried wrong password costs nothing.
 * Kept apart from the successes, so a flood of wrong passwords cannot push a scraper's out.
 */
const BAD_LIMIT = 1024;
/** Checks waiting for the bcrypt thread; one more is answered 429 at once instead of queueing. */
export const MAX_PENDING_CHECKS = 16;
/** The longest one check may take (a hash of a very high cost): the thread is then replaced. */
export const CHECK_TIMEOUT_MS = 5000;

/** `busy`: too many checks wait for the bcrypt thread (the client may retry). */
export type AuthResult = 'ok' | 'denied' | 'busy';

/** The bcrypt thread's entry next to this file: `.ts` when run from source, `.js` when compiled. */
function threadEntry(): URL {
  const ext = extname(fileURLToPath(import.meta.url));
  return new URL(`./bcrypt-thread${ext}`, import.meta.url);
}

/**
 * The one thread that runs bcrypt for every BasicAuth of the process (a reloaded web config makes a
 * new BasicAuth), started at the first check. It compares one password at a time; a check that takes
 * longer than CHECK_TIMEOUT_MS ends the thread, and every check waiting on it is denied.
 */
class BcryptThread {
  private worker?: Worker;
  private nextId = 0;
  /** Comparisons started since the process started (tests: what the caches spared). */
  started = 0;
  private readonly waiting = new Map<
    number,
    { done: (match: boolean | 'failed') => void; timer: NodeJS.Timeout }
  >();

  get pending(): number {
    return this.waiting.size;
  }

  compare(password: string, hash: string, timeoutMs: number): Promise<boolean | 'failed'> {
    const worker = this.start();
    const id = this.nextId++;
    this.started++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.restart(), timeoutMs);
      // The thread holds the process only while a check waits on it.
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { done: resolve, timer });
      worker.postMessage({ id, password, hash } satisfies CompareRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadEntry(), { name: 'bcrypt' });
    worker.on('message', (m: CompareAnswer) => this.finish(m.id, m.match));
    worker.on('error', () => this.restart());
    worker.on('exit', () => {
      if (this.worker === worker) this.restart();
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private finish(id: number, match: boolean | 'failed'): void {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    w.done(match);
  }

  /** Ends the thread (stuck or gone) and denies what waited on it; the next check starts a new one. */
  private restart(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const id of [...this.waiting.keys()]) this.finish(id, 'failed');
  }
}

const bcryptThread = new BcryptThread();

/** bcrypt comparisons started by this process so far. */
export function bcryptComparisons(): number {
  return bcryptThread.started;
}

/**
 * HTTP basic authentication against the web configuration's bcrypt hashes, checked off the serving
 * thread. A result is remembered by a SHA-256 of user, password and hash (never the password itself),
 * so a changed hash or password is checked afresh.
 */
export class BasicAuth {
  private readonly good = new Set<string>();
  private readonly bad = new Set<string>();

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly timeoutMs = CHECK_TIMEOUT_MS,
  ) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Whether the request's Authorization header names a user whose password matches its hash. */
  async check(authorization: string | undefined): Promise<AuthResult> {
    if (!this.enabled) return 'ok';
    const credentials = parseBasic(authorization);
    if (!credentials) return 'denied';
    const hash = this.users.get(credentials.user);
    const key = createHash('sha256')
      .update(`${credentials.user}\0${credentials.password}\0${hash ?? ''}`)
      .digest('base64');
    if (this.good.has(key)) return 'ok';
    if (this.bad.has(key)) return 'denied';
    if (bcryptThread.pending >= MAX_PENDING_CHECKS) return 'busy';
    const match = await bcryptThread.compare(credentials.password, hash ?? DUMMY_HASH, this.timeoutMs);
    // A check cut short says nothing about the password: denied, not remembered.
    if (match === 'failed') return 'denied';
    const ok = match && hash !== undefined;
    remember(ok ? this.good : this.bad, ok ? GOOD_LIMIT : BAD_LIMIT, key);
    return ok ? 'ok' : 'denied';
  }
}

/** Adds `key`, first dropping the oldest entry when the set is full. */
function remember(set: Set<string>, limit: number, key: string): void {
  if (set.size >= limit) set.delete(set.values().next().value as string);
  set.add(key);
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
