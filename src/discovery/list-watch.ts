import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { DiscoveryFailureCount } from '../exposition/self-metrics.ts';

export interface WatchedCollectionOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** `/api/v1/pods`, `/api/v1/nodes`. */
  path: string;
  fieldSelector?: string;
  list: () => Promise<KubernetesListObject<T>>;
  /** Shown in log lines: `pods on worker-a`. */
  what: string;
  logger: Logger;
  /** Called after every change of the collection. */
  onChange?: () => void;
  /** Backoff after a failed list or watch: doubles from `minBackoffMs` up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * An optional kind (a CRD that may not be installed): a 404 means "not in this cluster", logged once
   * at info and looked for again after this long, not a failure.
   */
  notFoundRetryMs?: number;
}

/**
 * How long the API server keeps one watch open before it ends it; the watch then resumes from its
 * resourceVersion, with no list. The server's own default is 30 to 60 minutes.
 */
const WATCH_TIMEOUT_S = 300;
/**
 * Up to this much is added to each watch's timeout at random: the agents of a cluster, started together
 * by one rollout, would otherwise end and resume their watches in step every 5 minutes.
 */
const WATCH_TIMEOUT_JITTER_S = 60;

/** The server-side timeout of one watch, 300 to 359 s. */
export function watchTimeoutSeconds(random: () => number = Math.random): number {
  return WATCH_TIMEOUT_S + Math.floor(random() * WATCH_TIMEOUT_JITTER_S);
}
/**
 * A watch that has said nothing for this long is taken for dead and started again. The API server sends
 * a bookmark about every minute on a watch that asks for them, so a quiet kind (nodes, Meridio's
 * resources) keeps one watch open; with client-node's own 30 s and no bookmarks it was cut and started
 * again about twice a minute per kind (measured from a real API server's audit log).
 */
const WATCH_IDLE_MS = 150_000;

/** client-node's Watch, asking for bookmarks and a server-side timeout, with a longer idle limit. */
class BookmarkedWatch extends Watch {
  constructor(kc: KubeConfig) {
    super(kc);
    // Private in the library's types; the field is the watch's idle timeout.
    (this as unknown as { requestTimeoutMs: number }).requestTimeoutMs = WATCH_IDLE_MS;
  }

  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(
      path,
      { ...query, allowWatchBookmarks: true, timeoutSeconds: watchTimeoutSeconds() },
      callback,
      done,
    );
  }
}

/**
 * A list+watch of one kind of object kept in memory (client-node's ListWatch). The library reconnects
 * by itself when the server closes a watch; when the list or the watch fails it stops, so this restarts
 * it with an exponential backoff and resumes from the last resourceVersion.
 */
export class WatchedCollection<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private stopped = false;
  private backoffMs: number;
  private lastFailureAt = 0;
  private retry?: NodeJS.Timeout;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  /** Failed lists or watches since start, by reason (`failureReason`), for `discovery_failures_total`. */
  private readonly failuresByReason = new Map<DiscoveryFailureReason, number>();
  /** Why the last list or watch failed, until one succeeds again. */
  lastError?: string;
  /** True while the API server says the kind does not exist (with `notFoundRetryMs`). */
  notFound = false;

  /** Failed lists or watches since start (for tests). */
  get failures(): number {
    let n = 0;
    for (const count of this.failuresByReason.values()) n += count;
    return n;
  }

  /** The failures so far as `discovery_failures_total` counts them: resource (`pods`, `vips`, …) and reason. */
  failureCounts(): DiscoveryFailureCount[] {
    const resource = this.options.path.split('/').pop() ?? this.options.path;
    return [...this.failuresByReason].map(([reason, count]) => ({ resource, reason, count }));
  }

  constructor(private readonly options: WatchedCollectionOptions<T>) {
    this.backoffMs = options.minBackoffMs ?? 1000;
    this.informer = new ListWatch<T>(
      options.path,
      new BookmarkedWatch(options.kc),
      options.list,
      false,
      undefined,
      options.fieldSelector,
    );
    const changed = () => {
      this.markSynced();
      options.onChange?.();
    };
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
    this.informer.on('connect', () => {
      // A connect follows a good list (or a resumed watch): the cache is the server's state again.
      if (this.informer.latestResourceVersion() !== '') this.markSynced();
    });
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
    if (this.informer.latestResourceVersion() !== '') this.markSynced();
  }

  /** Resolves once the first list arrived, or after `timeoutMs`; returns whether it arrived. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get isSynced(): boolean {
    return this.synced;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer.stop();
  }

  private markSynced(): void {
    this.lastError = undefined;
    this.notFound = false;
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    const retryMs = this.options.notFoundRetryMs;
    if (retryMs !== undefined && statusOf(err) === 404) {
      if (!this.notFound) {
        this.options.logger.info(
          { what: this.options.what },
          'not in this cluster (its API answers 404); looking again later',
        );
      }
      this.notFound = true;
      this.retry = setTimeout(() => {
        if (!this.stopped) void this.informer.start();
      }, retryMs);
      this.retry.unref();
      return;
    }
    // client-node emits 'connect' before each list or watch attempt, not after a good one, so a success
    // cannot reset the backoff: failures in a row double it, one after a healthy while starts it over.
    const now = Date.now();
    const maxBackoffMs = this.options.maxBackoffMs ?? 30_000;
    if (now - this.lastFailureAt > 2 * maxBackoffMs) this.backoffMs = this.options.minBackoffMs ?? 1000;
    this.lastFailureAt = now;
    const reason = failureReason(err);
    this.failuresByReason.set(reason, (this.failuresByReason.get(reason) ?? 0) + 1);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(delay * 2, maxBackoffMs);
    this.lastError = describe(err);
    this.options.logger.warn(
      { what: this.options.what, err: this.lastError, retryInMs: delay },
      'Kubernetes list/watch failed; retrying',
    );
    this.retry = setTimeout(() => {
      if (!this.stopped) void this.informer.start();
    }, delay);
    this.retry.unref();
  }
}

export type DiscoveryFailureReason =
  | 'forbidden'
  | 'unauthorized'
  | 'not_found'
  | 'http'
  | 'timeout'
  | 'connect'
  | 'other';

/**
 * Why a list or watch failed, in words an operator acts on: `forbidden` (the agent's RBAC),
 * `unauthorized` (its token), `not_found`, another HTTP status (`http`), no answer in time (`timeout`),
 * no connection (`connect`), anything else (`other`).
 */
export function failureReason(err: unknown): DiscoveryFailureReason {
  const status = statusOf(err);
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status !== undefined && status >= 400) return 'http';
  const e = err as
    | { name?: string; message?: string; code?: unknown; cause?: { code?: unknown } }
    | undefined;
  // undici wraps a failed connection or a timeout as TypeError('fetch failed'), its code in `cause`.
  const code = String(e?.code ?? e?.cause?.code ?? '');
  if (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    /TIMEOUT|ETIMEDOUT/.test(code) ||
    /no answer .* within|timed? ?out/i.test(e?.message ?? '')
  ) {
    return 'timeout';
  }
  if (
    /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EHOSTUNREACH|EHOSTDOWN|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_SOCKET)$/.test(
      code,
    )
  ) {
    return 'connect';
  }
  return 'other';
}

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; code?: number | string } | undefined;
  const code = e?.statusCode ?? e?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { statusCode?: number; code?: number | string }).statusCode;
    return code ? `${err.message} (HTTP ${code})` : err.message;
  }
  return String(err);
}
