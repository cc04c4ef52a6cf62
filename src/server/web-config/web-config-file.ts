import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import { isAlias, isMap, isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import { parseGoDuration } from './go-duration.ts';

/**
 * `--web.config.file`: the web configuration file of the Prometheus exporter toolkit (the format
 * node_exporter and blackbox_exporter read), so one file serves every exporter of a cluster. The
 * toolkit's own test cases are the specification (test/unit/server/web-config-toolkit.test.ts): the
 * same files are accepted and refused, with the same meaning. Strict like the toolkit: an unknown key
 * is an error.
 */

/** The toolkit's client_auth_type values, as Go's crypto/tls names them. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];
/** Go's other name for RequireAnyClientCert, which the toolkit accepts too. */
const CLIENT_AUTH_ALIASES: Record<string, ClientAuthType> = { RequireClientCert: 'RequireAnyClientCert' };

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersion = (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
const VERSION_ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Go's cipher suite names (`tls.CipherSuites()`) in Go's own order of preference, which Go applies
 * whatever the file's order (it ignores prefer_server_cipher_suites), with OpenSSL's name for each.
 * TLS 1.3 suites cannot be chosen in Go: the names are accepted and change nothing, as there.
 */
const CIPHER_SUITES: readonly [go: string, openssl: string | undefined][] = [
  ['TLS_AES_128_GCM_SHA256', undefined],
  ['TLS_AES_256_GCM_SHA384', undefined],
  ['TLS_CHACHA20_POLY1305_SHA256', undefined],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
];
/** HTTP/2 needs one of these below TLS 1.3 (RFC 7540, 9.2.2); Go refuses to serve h2 without. */
const HTTP2_REQUIRED = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];
/** Go's curve names and OpenSSL's. */
const CURVES: Record<string, string> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/** The security headers the toolkit lets a file set (names exactly so), and the values it allows. */
const HEADERS: Record<string, readonly string[] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** A certificate, key or CA: a file (re-read on change) or inline PEM. */
export type Pem = { file: string } | { inline: string };

export interface TlsSettings {
  cert: Pem;
  key: Pem;
  clientCa?: Pem;
  clientAuth: ClientAuthType;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** SANs of which a client certificate must carry one; absent: any. An empty list admits none. */
  clientAllowedSans?: string[];
  /** OpenSSL cipher list for TLS 1.0-1.2, in Go's order; absent: Node's defaults. */
  ciphers?: string;
  /** OpenSSL curve list; absent: Node's defaults. */
  ecdhCurve?: string;
}

/** The TLS material as read from disk, ready for a server or `setSecureContext`. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** The client CA's certificates; an empty list trusts nothing, as an empty CA file does in Go. */
  ca?: Buffer[];
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  ciphers?: string;
  honorCipherOrder?: boolean;
  ecdhCurve?: string;
}

/** The toolkit's rate_limit: one token bucket for the whole server. */
export interface RateLimit {
  intervalMs: number;
  burst: number;
}

export interface WebConfig {
  /** The files the configuration depends on: watched for changes. */
  files: string[];
  tls?: TlsSettings & { material: TlsMaterial };
  /** User name → bcrypt hash; empty means no authentication. */
  users: ReadonlyMap<string, string>;
  headers: ReadonlyMap<string, string>;
  rateLimit?: RateLimit;
}

export type WebConfigResult = { ok: true; config: WebConfig } | { ok: false; problems: string[] };

interface ParsedSettings {
  tls?: TlsSettings;
  users: Map<string, string>;
  headers: Map<string, string>;
  rateLimit?: RateLimit;
}

/** Read and check the file and everything it names (certificates, key, CA). */
export function readWebConfig(path: string): WebConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`] };
  }
  let parsed: ReturnType<typeof parseWebConfig>;
  try {
    parsed = parseWebConfig(text, dirname(resolve(path)));
  } catch (err) {
    // A reload runs from a timer: whatever the file holds must end as a refused reload, not a crash.
    return {
      ok: false,
      problems: [`${path}: cannot be read as a web configuration: ${(err as Error).message}`],
    };
  }
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((p) => `${path}: ${p}`) };
  const { tls, ...rest } = parsed.settings;
  const files = [resolve(path)];
  if (!tls) return { ok: true, config: { files, ...rest } };
  const problems: string[] = [];
  const read = (pem: Pem, key: string): Buffer | undefined => {
    if ('inline' in pem) return Buffer.from(pem.inline);
    files.push(pem.file);
    try {
      return readFileSync(pem.file);
    } catch (err) {
      problems.push(
        `${path}: tls_server_config.${key} ${pem.file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
      return undefined;
    }
  };
  const cert = read(tls.cert, 'cert_file');
  const key = read(tls.key, 'key_file');
  const ca = tls.clientCa && read(tls.clientCa, 'client_ca_file');
  if (!cert || !key || (tls.clientCa && !ca)) return { ok: false, problems };
  // After reading the CA, as the toolkit checks it.
  if (tls.clientCa && tls.clientAuth === 'NoClientCert') {
    const why =
      "tls_server_config: client CA's have been configured without a Client Auth Policy (client_auth_type)";
    return { ok: false, problems: [`${path}: ${why}`] };
  }
  const material: TlsMaterial = {
    cert,
    key,
    // Only the certificates: Go skips what is not one, so an empty or garbled CA trusts nothing.
    ...(ca && { ca: pemCertificates(ca) }),
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ...(tls.ciphers && { ciphers: tls.ciphers, honorCipherOrder: true }),
    ...(tls.ecdhCurve && { ecdhCurve: tls.ecdhCurve }),
  };
  try {
    // Fails on an unreadable PEM or a key that does not match the certificate.
    createSecureContext(material);
  } catch (err) {
    return { ok: false, problems: [`${path}: failed to load X509KeyPair: ${(err as Error).message}`] };
  }
  return { ok: true, config: { files, tls: { ...tls, material }, ...rest } };
}

function pemCertificates(pem: Buffer): Buffer[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  return (blocks ?? []).map((b) => Buffer.from(b, 'latin1'));
}

/**
 * The file's text alone; relative paths are taken from `baseDir`, as the toolkit does. YAML is read
 * as Go's yaml.v2 reads it: YAML 1.1 booleans (`yes`, `off`), any scalar as its text where a string
 * is expected (an unquoted `1` header value is "1"), the first document only.
 */
export function parseWebConfig(
  text: string,
  baseDir: string,
): { ok: true; settings: ParsedSettings } | { ok: false; problems: string[] } {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return { ok: true, settings: { users: new Map(), headers: new Map() } };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`) };
  }
  let root: unknown;
  try {
    root = plain(doc.contents as Node | null, doc);
  } catch (err) {
    if (!(err instanceof YamlShapeError)) throw err;
    return { ok: false, problems: [`not valid YAML: ${err.message}`] };
  }
  if (root === null) return { ok: true, settings: { users: new Map(), headers: new Map() } };
  const problems: string[] = [];
  if (!isObject(root)) return { ok: false, problems: ['expected a mapping at the top level'] };
  const r = new Reader(problems);
  r.keys(root, '', ['tls_server_config', 'http_server_config', 'rate_limit', 'basic_auth_users']);
  const users = parseUsers(root.basic_auth_users, r);
  const http = r.map(root.http_server_config, 'http_server_config') ?? {};
  r.keys(http, 'http_server_config.', ['headers', 'http2']);
  const http2 = r.bool(http.http2, 'http_server_config.http2') ?? true;
  const headers = parseHeaders(http.headers, r);
  const rateLimit = parseRateLimit(root.rate_limit, r);
  const tlsRaw = r.map(root.tls_server_config, 'tls_server_config');
  const tls = tlsRaw && parseTls(tlsRaw, baseDir, r, http2);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: { ...(tls && { tls }), users, headers, ...(rateLimit && { rateLimit }) },
  };
}

function parseUsers(raw: unknown, r: Reader): Map<string, string> {
  const users = new Map<string, string>();
  const map = r.map(raw, 'basic_auth_users');
  for (const [user, value] of Object.entries(map ?? {})) {
    const hash = r.text(value, `basic_auth_users.${user}`) ?? '';
    // Stricter than the toolkit, which takes these and never lets them in: RFC 7617 splits at ':'.
    if (user === '' || user.includes(':')) {
      r.problem(`basic_auth_users: ${JSON.stringify(user)} is not a user name (empty or with ":")`);
      continue;
    }
    const wrong = bcryptProblem(hash);
    if (wrong)
      r.problem(
        `basic_auth_users.${user}: expected a bcrypt hash: ${wrong} (make one with htpasswd -nBC 10 "" | tr -d ':\\n')`,
      );
    else users.set(user, hash);
  }
  return users;
}

/** What Go's bcrypt.Cost refuses, and the versions bcrypt here can compare ($2$, $2a$, $2b$, $2y$). */
function bcryptProblem(hash: string): string | undefined {
  if (hash.length < 59) return 'hashedSecret too short to be a bcrypted password';
  if (!hash.startsWith('$2')) return "bcrypt hashes must start with '$2'";
  const m = /^\$2([aby]?)\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash);
  if (!m) return 'not a bcrypt hash of version $2$, $2a$, $2b$ or $2y$';
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return `cost ${cost} is outside allowed inclusive range 4..31`;
  return undefined;
}

function parseHeaders(raw: unknown, r: Reader): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(r.map(raw, 'http_server_config.headers') ?? {})) {
    const at = `http_server_config.headers.${name}`;
    if (!Object.hasOwn(HEADERS, name)) {
      r.problem(
        `HTTP header ${JSON.stringify(name)} can not be configured (${Object.keys(HEADERS).join(', ')})`,
      );
      continue;
    }
    const text = value === null ? '' : r.text(value, at);
    if (text === undefined) continue;
    const allowed = HEADERS[name];
    if (allowed && !allowed.includes(text)) {
      r.problem(
        `invalid value for ${name}. Expected one of: ${JSON.stringify(allowed)}, but got: ${JSON.stringify(text)}`,
      );
    } else if (/[\r\n]/.test(text)) {
      r.problem(`${at}: a header value cannot span lines`);
    } else headers.set(name, text);
  }
  return headers;
}

function parseRateLimit(raw: unknown, r: Reader): RateLimit | undefined {
  const map = r.map(raw, 'rate_limit');
  if (!map) return undefined;
  r.keys(map, 'rate_limit.', ['interval', 'burst']);
  let intervalMs = 0;
  if (map.interval !== undefined && map.interval !== null) {
    const text = r.text(map.interval, 'rate_limit.interval');
    // A bare integer is nanoseconds, as yaml.v2 reads a time.Duration.
    const ns =
      text === undefined ? undefined : /^[-+]?\d+$/.test(text) ? Number(text) / 1e6 : parseGoDuration(text);
    if (ns === undefined)
      r.problem(`rate_limit.interval: ${JSON.stringify(text)} is not a duration such as 1s or 100ms`);
    else intervalMs = ns;
  }
  const burst = r.int(map.burst, 'rate_limit.burst') ?? 0;
  // Go's limiter: no interval is no limit, a negative one an infinite rate.
  return intervalMs > 0 ? { intervalMs, burst } : undefined;
}

function parseTls(
  raw: Record<string, unknown>,
  baseDir: string,
  r: Reader,
  http2: boolean,
): TlsSettings | undefined {
  r.keys(raw, 'tls_server_config.', [
    'cert',
    'cert_file',
    'key',
    'key_file',
    'client_ca',
    'client_ca_file',
    'client_auth_type',
    'client_allowed_sans',
    'min_version',
    'max_version',
    'cipher_suites',
    'curve_preferences',
    'prefer_server_cipher_suites',
  ]);
  const text = (key: string) => {
    const v = raw[key];
    return v === undefined || v === null ? undefined : r.text(v, `tls_server_config.${key}`) || undefined;
  };
  const pem = (fileKey: string, inlineKey: string): Pem | undefined => {
    const file = text(fileKey);
    if (file) return { file: resolve(baseDir, file) };
    const inline = text(inlineKey);
    return inline ? { inline } : undefined;
  };
  const cert = pem('cert_file', 'cert');
  const key = pem('key_file', 'key');
  const clientCa = pem('client_ca_file', 'client_ca');
  const authText = text('client_auth_type');
  // Every value is checked, as Go decodes them all, whether or not TLS is on.
  const version = (k: string): TlsVersion | undefined => {
    const t = text(k);
    if (t === undefined) return undefined;
    const v = TLS_VERSIONS[t as keyof typeof TLS_VERSIONS];
    if (!v)
      r.problem(
        `tls_server_config.${k}: unknown TLS version: ${t} (${Object.keys(TLS_VERSIONS).join(', ')})`,
      );
    return v;
  };
  const minVersion = version('min_version') ?? 'TLSv1.2';
  const maxVersion = version('max_version') ?? 'TLSv1.3';
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    // Go takes the file and then fails every handshake; saying so at once is kinder.
    r.problem('tls_server_config: min_version is above max_version: no client could connect');
  }
  const suites = r.list(raw.cipher_suites, 'tls_server_config.cipher_suites');
  for (const s of suites ?? []) {
    if (!CIPHER_SUITES.some(([go]) => go === s))
      r.problem(`tls_server_config.cipher_suites: unknown cipher: ${s}`);
  }
  const curves = r.list(raw.curve_preferences, 'tls_server_config.curve_preferences');
  for (const c of curves ?? []) {
    if (!CURVES[c])
      r.problem(
        `tls_server_config.curve_preferences: unknown curve: ${c} (${Object.keys(CURVES).join(', ')})`,
      );
  }
  // Accepted and without effect, as in Go since 1.17.
  r.bool(raw.prefer_server_cipher_suites, 'tls_server_config.prefer_server_cipher_suites');
  const sans = r.list(raw.client_allowed_sans, 'tls_server_config.client_allowed_sans');
  // The toolkit's rule: any certificate, key, CA or client_auth_type turns TLS on.
  if (!cert && !key && !clientCa && authText === undefined) return undefined;
  if (!cert) r.problem('tls_server_config: missing one of cert or cert_file');
  else if (!key) r.problem('tls_server_config: missing one of key or key_file');
  let clientAuth: ClientAuthType = 'NoClientCert';
  if (authText !== undefined) {
    const known = CLIENT_AUTH_ALIASES[authText] ?? CLIENT_AUTH_TYPES.find((t) => t === authText);
    if (known) clientAuth = known;
    else {
      r.problem(
        `tls_server_config.client_auth_type: invalid ClientAuth: ${authText} (${CLIENT_AUTH_TYPES.join(', ')})`,
      );
    }
  }
  let ciphers: string | undefined;
  if (suites && suites.length > 0) {
    ciphers = CIPHER_SUITES.filter(([go, openssl]) => openssl && suites.includes(go))
      .map(([, openssl]) => openssl)
      .join(':');
    if (http2 && minVersion !== 'TLSv1.3' && !suites.some((s) => HTTP2_REQUIRED.includes(s))) {
      r.problem(
        `tls_server_config.cipher_suites: with http2 (the default) one of ${HTTP2_REQUIRED.join(' or ')} is required, as Go's HTTP/2 server requires it; add one or set http_server_config.http2: false`,
      );
    }
  }
  // OpenSSL 3 refuses TLS 1.0 and 1.1 above its security level 0; Go serves them when asked to.
  if (VERSION_ORDER.indexOf(minVersion) < VERSION_ORDER.indexOf('TLSv1.2')) {
    ciphers = `${ciphers ?? DEFAULT_CIPHERS}:@SECLEVEL=0`;
  }
  if (!cert || !key) return undefined;
  return {
    cert,
    key,
    ...(clientCa && { clientCa }),
    clientAuth,
    minVersion,
    maxVersion,
    ...(sans && { clientAllowedSans: sans }),
    ...(ciphers && { ciphers }),
    ...(curves && curves.length > 0 && { ecdhCurve: curves.map((c) => CURVES[c]).join(':') }),
  };
}

/** Aliases one file may expand: a web configuration has a few at most; a bomb has millions. */
const MAX_ALIAS_EXPANSIONS = 100;

class YamlShapeError extends Error {}

/**
 * The YAML tree as plain values, every scalar as the text it was written as (Go's yaml.v2 puts that
 * text in a string field whatever the scalar looks like), null as null and YAML 1.1 booleans kept
 * recognisable by `Reader.bool`. Merge keys (`<<`) are expanded as yaml.v2 does. Throws
 * YamlShapeError on what yaml.v2 refuses (an unknown or self-containing alias, a key that is not a
 * scalar) and on more alias expansions than any real file has.
 */
function plain(root: Node | null, doc: { contents: unknown }): unknown {
  let expansions = 0;
  const inside = new Set<Node>();
  const walk = (node: Node | null): unknown => {
    if (node === null) return null;
    if (isAlias(node)) {
      if (++expansions > MAX_ALIAS_EXPANSIONS)
        throw new YamlShapeError(`more than ${MAX_ALIAS_EXPANSIONS} aliases`);
      const target = node.resolve(doc as never) as Node | undefined;
      if (!target) throw new YamlShapeError(`unknown anchor ${JSON.stringify(node.source)}`);
      if (inside.has(target))
        throw new YamlShapeError(`anchor ${JSON.stringify(node.source)} contains itself`);
      return walk(target);
    }
    if (isScalar(node)) {
      if (node.value === null) return null;
      return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
    }
    inside.add(node);
    try {
      if (isSeq(node)) return node.items.map((i) => walk(i as Node | null));
      if (isMap(node)) {
        // No prototype: a `__proto__` key is a key like any other (and reported as unknown).
        const out: Record<string, unknown> = Object.create(null);
        const merged: Record<string, unknown>[] = [];
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          if (keyNode !== null && !isScalar(keyNode))
            throw new YamlShapeError('a mapping key that is not a single value');
          const key = String(walk(keyNode));
          const value = walk(pair.value as Node | null);
          if (key === '<<' && keyNode !== null && (keyNode as { source?: string }).source === '<<') {
            for (const m of Array.isArray(value) ? value : [value]) {
              if (!isObject(m))
                throw new YamlShapeError('a merge key (<<) takes a mapping or a list of mappings');
              merged.push(m);
            }
          } else out[key] = value;
        }
        // Keys of the mapping itself win over merged ones, and earlier merged maps over later ones.
        for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
        return out;
      }
      return null;
    } finally {
      inside.delete(node);
    }
  };
  return walk(root);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const YAML11_TRUE = /^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const YAML11_FALSE = /^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;

/** Typed reads of the plain tree that record a problem naming the key instead of throwing. */
class Reader {
  constructor(private readonly problems: string[]) {}

  problem(text: string): void {
    this.problems.push(text);
  }

  keys(map: Record<string, unknown>, prefix: string, known: readonly string[]): void {
    for (const key of Object.keys(map)) {
      if (!known.includes(key)) this.problem(`${prefix}${key}: unknown key (expected ${known.join(', ')})`);
    }
  }

  map(v: unknown, at: string): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (isObject(v)) return v;
    this.problem(`${at}: expected a mapping`);
    return undefined;
  }

  text(v: unknown, at: string): string | undefined {
    if (typeof v === 'string') return v;
    this.problem(`${at}: expected a single value`);
    return undefined;
  }

  list(v: unknown, at: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((i) => typeof i === 'string')) return v as string[];
    this.problem(`${at}: expected a list of names`);
    return undefined;
  }

  bool(v: unknown, at: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && YAML11_TRUE.test(v)) return true;
    if (typeof v === 'string' && YAML11_FALSE.test(v)) return false;
    this.problem(`${at}: expected true or false`);
    return undefined;
  }

  int(v: unknown, at: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && /^[-+]?\d{1,9}$/.test(v)) return Number(v);
    this.problem(`${at}: expected a whole number`);
    return undefined;
  }
}
