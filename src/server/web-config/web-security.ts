import { type StatWatcher, unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { BasicAuth } from './basic-auth.ts';
import { readWebConfig, type WebConfig } from './web-config-file.ts';

/** Kubelet probes them without credentials; they tell only whether the process lives and has data. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);
/** How often the file and the files it names are looked at (Kubernetes swaps a Secret's files atomically). */
const DEFAULT_WATCH_INTERVAL_MS = 2000;

/**
 * TLS, client certificates, basic auth and headers from `--web.config.file`, kept current as the
 * files change. A reload that fails or asks for what only a restart can do (TLS on or off, another
 * client_auth_type) is refused: the last good configuration stays and the failure is logged and
 * counted.
 */
export class WebSecurity {
  private current: WebConfig;
  private auth: BasicAuth;
  private watched: string[] = [];
  private server: HttpsServer | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    initial: WebConfig,
    private readonly logger: Logger,
    private readonly onReload: (ok: boolean) => void = () => {},
  ) {
    this.current = initial;
    this.auth = new BasicAuth(initial.users);
  }

  /** The https server's options, or undefined for plain HTTP. */
  tlsOptions(): ServerOptions | undefined {
    const tls = this.current.tls;
    if (!tls) return undefined;
    return {
      ...tls.material,
      requestCert: tls.clientAuth !== 'NoClientCert',
      // The other kinds are checked on each connection (acceptable) as Go's crypto/tls does.
      rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    };
  }

  /** Check client certificates on every TLS connection of `server`. */
  attach(server: HttpsServer): void {
    this.server = server;
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
    if (!tls || tls.clientAuth === 'NoClientCert' || tls.clientAuth === 'RequestClientCert') return undefined;
    const cert = socket.getPeerCertificate();
    const given = cert !== null && Object.keys(cert).length > 0;
    if (!given) return tls.clientAuth === 'VerifyClientCertIfGiven' ? undefined : 'no client certificate';
    if (tls.clientAuth !== 'RequireAnyClientCert' && !socket.authorized) {
      return `client certificate not verified: ${socket.authorizationError}`;
    }
    if (tls.clientAllowedSans.length > 0) {
      const sans = (cert.subjectaltname ?? '').split(/,\s*/).map((s) => s.slice(s.indexOf(':') + 1));
      if (!sans.some((s) => tls.clientAllowedSans.includes(s)))
        return 'client certificate has none of the allowed SANs';
    }
    return undefined;
  }

  /**
   * Headers, then basic auth. Answers 401 itself and returns false for a request without valid
   * credentials.
   */
  async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    for (const [name, value] of this.current.headers) res.setHeader(name, value);
    if (!this.auth.enabled) return true;
    const path = (req.url ?? '/').split('?')[0] as string;
    if (OPEN_PATHS.has(path)) return true;
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
    const restart =
      Boolean(before) !== Boolean(next.tls)
        ? 'turning TLS on or off'
        : before && next.tls && before.clientAuth !== next.tls.clientAuth
          ? 'changing client_auth_type'
          : undefined;
    if (restart) {
      this.logger.error(
        { file: this.path },
        `web configuration not reloaded: ${restart} takes a restart; the previous configuration stays in force`,
      );
      this.onReload(false);
      return false;
    }
    if (next.tls && this.server) this.server.setSecureContext(next.tls.material);
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
