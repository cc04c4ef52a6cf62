import { type StatWatcher, unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { BasicAuth } from './basic-auth.ts';
import { type ClientAuthType, type RateLimit, readWebConfig, type WebConfig } from './web-config-file.ts';

/** Kubelet probes them without credentials; they tell only whether the process lives and has data. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);
/** How often the file and the files it names are looked at (Kubernetes swaps a Secret's files atomically). */
const DEFAULT_WATCH_INTERVAL_MS = 2000;

/** Go's answer to plain HTTP on its TLS port, and the first bytes it gives it to (net/http). */
const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';
const PLAIN_HTTP_STARTS = new Set(['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO']);
/** A connection that sends nothing at all is closed after this long, as an idle HTTP one is. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

/**
 * TLS, client certificates, basic auth, headers and the rate limit from `--web.config.file`, kept
 * current as the files change. A reload that fails or asks for what only a restart can do (TLS on or
 * off, another rate limit) is refused: the last good configuration stays and the failure is logged
 * and counted.
 */
export class WebSecurity {
  private current: WebConfig;
  private auth: BasicAuth;
  private watched: string[] = [];
  private server: HttpsServer | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly limiter: TokenBucket | undefined;

  constructor(
    readonly path: string,
    initial: WebConfig,
    private readonly logger: Logger,
    private readonly onReload: (ok: boolean) => void = () => {},
  ) {
    this.current = initial;
    this.auth = new BasicAuth(initial.users);
    if (initial.rateLimit) this.limiter = new TokenBucket(initial.rateLimit);
  }

  /** The https server's options, or undefined for plain HTTP. */
  tlsOptions(): ServerOptions | undefined {
    const tls = this.current.tls;
    if (!tls) return undefined;
    return { ...tls.material, ...clientAuthOptions(tls.clientAuth) };
  }

  /** Check client certificates on every TLS connection of `server`, and answer plain HTTP as Go does. */
  attach(server: HttpsServer): void {
    this.server = server;
    answerPlainHttp(server);
    server.on('secureConnection', (socket: TLSSocket) => {
      const refusal = this.refusal(socket);
      if (refusal) {
        this.logger.debug({ remote: socket.remoteAddress, refusal }, 'TLS client refused');
        socket.destroy();
      }
    });
  }

  /** Why a client certificate is not acceptable, or undefined when it is. */
  private refusal(socket: TLSSocket): string | undefined {
    const tls = this.current.tls;
    if (!tls || tls.clientAuth === 'NoClientCert') return undefined;
    const cert = socket.getPeerCertificate();
    const given = cert !== null && Object.keys(cert).length > 0;
    const allowed = tls.clientAllowedSans;
    if (!given) {
      if (tls.clientAuth === 'RequireAnyClientCert' || tls.clientAuth === 'RequireAndVerifyClientCert') {
        return 'no client certificate';
      }
      // The toolkit cannot check SANs of no certificate and drops the connection.
      return allowed ? 'no client certificate to check client_allowed_sans against' : undefined;
    }
    const verifies =
      tls.clientAuth === 'VerifyClientCertIfGiven' || tls.clientAuth === 'RequireAndVerifyClientCert';
    if (verifies && !socket.authorized)
      return `client certificate not verified: ${socket.authorizationError}`;
    if (allowed && !certificateSans(cert.subjectaltname).some((s) => allowed.includes(s))) {
      return 'client certificate has none of the allowed SANs';
    }
    return undefined;
  }

  /**
   * Headers, then basic auth. Answers 401 itself and returns false for a request without valid
   * credentials.
   */
  async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0] as string;
    const open = OPEN_PATHS.has(path);
    if (this.limiter && !open && !this.limiter.take()) {
      res.writeHead(429, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end('Too Many Requests\n');
      return false;
    }
    for (const [name, value] of this.current.headers) res.setHeader(name, value);
    if (!this.auth.enabled || open) return true;
    const result = await this.auth.check(req.headers.authorization);
    if (result === 'ok') return true;
    if (result === 'busy') {
      // Too many passwords wait for bcrypt (a flood of wrong ones): known clients are remembered and
      // not held up; a new one is asked to come back.
      res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' });
      res.end('Too many authentication attempts\n');
      return false;
    }
    res.writeHead(401, {
      'Content-Type': 'text/plain; charset=utf-8',
      'WWW-Authenticate': 'Basic realm="meridio-path-exporter", charset="UTF-8"',
    });
    res.end('Unauthorized\n');
    return false;
  }

  startWatching(intervalMs = DEFAULT_WATCH_INTERVAL_MS): void {
    this.watch(this.current.files, intervalMs);
  }

  stopWatching(): void {
    clearTimeout(this.reloadTimer);
    for (const f of this.watched) unwatchFile(f);
    this.watched = [];
  }

  private watch(files: readonly string[], intervalMs: number): void {
    this.stopWatching();
    const onChange = () => {
      // A Secret update touches several files at once: reload once.
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.reload(intervalMs), 100);
    };
    for (const f of new Set(files)) {
      const watcher: StatWatcher = watchFile(f, { interval: intervalMs, persistent: false }, onChange);
      watcher.unref();
      this.watched.push(f);
    }
  }

  /** Re-read the file; apply it if it can be applied without a restart. */
  reload(intervalMs = DEFAULT_WATCH_INTERVAL_MS): boolean {
    const result = readWebConfig(this.path);
    if (!result.ok) {
      this.logger.error(
        { file: this.path, problems: result.problems },
        'web configuration not reloaded: it is invalid; the previous one stays in force',
      );
      this.onReload(false);
      return false;
    }
    const next = result.config;
    const before = this.current.tls;
    const limit = (c: WebConfig) => JSON.stringify(c.rateLimit ?? null);
    const restart =
      Boolean(before) !== Boolean(next.tls)
        ? 'turning TLS on or off'
        : limit(this.current) !== limit(next)
          ? 'changing rate_limit'
          : undefined;
    if (restart) {
      this.logger.error(
        { file: this.path },
        `web configuration not reloaded: ${restart} takes a restart; the previous configuration stays in force`,
      );
      this.onReload(false);
      return false;
    }
    if (next.tls && this.server) {
      this.server.setSecureContext(next.tls.material);
      // tls.Server reads these for every new connection: a changed client_auth_type applies to the next.
      Object.assign(this.server, clientAuthOptions(next.tls.clientAuth));
    }
    this.current = next;
    this.auth = new BasicAuth(next.users);
    if ([...new Set(next.files)].join('\n') !== this.watched.join('\n')) this.watch(next.files, intervalMs);
    this.logger.info(
      { file: this.path, tls: Boolean(next.tls), users: next.users.size },
      'web configuration reloaded',
    );
    this.onReload(true);
    return true;
  }
}

function clientAuthOptions(clientAuth: ClientAuthType): {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  return {
    requestCert: clientAuth !== 'NoClientCert',
    // The other kinds are checked on each connection (refusal) as Go's crypto/tls does.
    rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** A certificate's DNS names, e-mail addresses, IP addresses and URIs, IPv6 written as Go writes it. */
export function certificateSans(subjectaltname: string | undefined): string[] {
  const out: string[] = [];
  const text = subjectaltname ?? '';
  let at = 0;
  // `kind:value, kind:value`; Node writes a value holding a comma or quote as a JSON string.
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon < 0) break;
    const kind = text.slice(at, colon).trim();
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      const close = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(colon + 1));
      if (!close) break;
      try {
        value = JSON.parse(close[0]) as string;
      } catch {
        break;
      }
      end = colon + 1 + close[0].length;
    } else {
      const comma = text.indexOf(',', colon + 1);
      end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    if (kind === 'IP Address' && value.includes(':')) value = goIpText(value);
    if (['DNS', 'email', 'IP Address', 'URI'].includes(kind)) out.push(value);
    at = text.indexOf(',', end);
    if (at < 0) break;
    at += 1;
  }
  return out;
}

/** An IPv6 address as Go writes it: compressed, and an IPv4-mapped one as dotted IPv4. */
function goIpText(ip: string): string {
  const compressed = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [hi, lo] = [Number.parseInt(mapped[1] as string, 16), Number.parseInt(mapped[2] as string, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Go's http.Server answers a plain HTTP request on its TLS port with a 400 that says so; Node's would
 * close without a word. The first bytes of each connection are looked at before TLS gets them.
 */
function answerPlainHttp(server: HttpsServer): void {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => {
      // A client that resets before its first bytes: nothing to answer.
    });
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    // Go decides on the first 5 bytes (a TLS record header is 5 bytes too): wait for as many.
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 5) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      if (PLAIN_HTTP_STARTS.has(head.subarray(0, 5).toString('latin1'))) {
        socket.end(PLAIN_HTTP_ANSWER);
        return;
      }
      socket.pause();
      socket.unshift(head);
      for (const listener of tlsListeners) listener.call(server, socket);
    };
    socket.on('data', onData);
  });
}

/** golang.org/x/time/rate as the toolkit uses it: starts full, one token back per interval, at most `burst`. */
class TokenBucket {
  private tokens: number;
  private at = performance.now();

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + (now - this.at) / this.limit.intervalMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
