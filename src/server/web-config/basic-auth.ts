import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** A valid hash to compare against for unknown users, so their answer takes as long as a known user's. */
const DUMMY_HASH = '$2b$10$ztqtyNkQIj5rvBj64GmVouJvITlYg7JZ2AKixxgSduabrkdggafVK';
/** Remembered good credentials (a scrape every few seconds must not cost a bcrypt round each). */
const CACHE_LIMIT = 64;

/**
 * HTTP basic authentication against the web configuration's bcrypt hashes. A success is remembered
 * by a SHA-256 of user, password and hash (never the password itself), so a changed hash or password
 * is checked afresh; failures are never remembered.
 */
export class BasicAuth {
  private readonly good = new Set<string>();

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Whether the request's Authorization header names a user whose password matches its hash. */
  async check(authorization: string | undefined): Promise<boolean> {
    if (!this.enabled) return true;
    const credentials = parseBasic(authorization);
    if (!credentials) return false;
    const hash = this.users.get(credentials.user);
    const key = createHash('sha256')
      .update(`${credentials.user}\0${credentials.password}\0${hash ?? ''}`)
      .digest('base64');
    if (hash !== undefined && this.good.has(key)) return true;
    // Asynchronous: bcryptjs yields to the event loop between rounds, so a bad password never stalls scrapes.
    const match = await bcrypt.compare(credentials.password, hash ?? DUMMY_HASH);
    if (!match || hash === undefined) return false;
    if (this.good.size >= CACHE_LIMIT) this.good.clear();
    this.good.add(key);
    return true;
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
