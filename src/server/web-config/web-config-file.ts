import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { parseDocument } from 'yaml';

/**
 * `--web.config.file`: the web configuration file of the Prometheus exporter toolkit (the format
 * node_exporter and blackbox_exporter read), so one file and one habit serve every exporter of a
 * cluster. Strict: an unknown or unsupported key is an error, never silently ignored.
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

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersion = (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];

/** The security headers the toolkit lets a file set. */
const HEADERS = [
  'Content-Security-Policy',
  'X-Frame-Options',
  'X-Content-Type-Options',
  'X-XSS-Protection',
  'Strict-Transport-Security',
] as const;

/** Toolkit keys this exporter does not implement: refused by name rather than ignored. */
const UNSUPPORTED: Record<string, string> = {
  'tls_server_config.cipher_suites': "Node's cipher names differ from Go's; the defaults of TLS 1.2+ apply",
  'tls_server_config.curve_preferences': "Node's defaults apply",
  'tls_server_config.prefer_server_cipher_suites': "Node's defaults apply",
  'tls_server_config.cert': 'give the certificate as cert_file',
  'tls_server_config.key': 'give the key as key_file',
  'tls_server_config.client_ca': 'give the client CA as client_ca_file',
  'http_server_config.http2': 'the exporter serves HTTP/1.1',
};

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
  clientAuth: ClientAuthType;
  minVersion: TlsVersion;
  maxVersion?: TlsVersion;
  /** SANs of which a client certificate must carry one (empty: any). */
  clientAllowedSans: string[];
}

/** The TLS material as read from disk, ready for a server or `setSecureContext`. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  minVersion: TlsVersion;
  maxVersion?: TlsVersion;
}

export interface WebConfig {
  /** The files the configuration depends on: watched for changes. */
  files: string[];
  tls?: TlsSettings & { material: TlsMaterial };
  /** User name → bcrypt hash; empty means no authentication. */
  users: ReadonlyMap<string, string>;
  headers: ReadonlyMap<string, string>;
}

export type WebConfigResult = { ok: true; config: WebConfig } | { ok: false; problems: string[] };

const BCRYPT = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Read and check the file and everything it names (certificates, key, CA). */
export function readWebConfig(path: string): WebConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`] };
  }
  const parsed = parseWebConfig(text, dirname(resolve(path)));
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((p) => `${path}: ${p}`) };
  const { settings } = parsed;
  const files = [resolve(path)];
  if (!settings.tls) return { ok: true, config: { files, users: settings.users, headers: settings.headers } };
  const problems: string[] = [];
  const read = (file: string, what: string): Buffer | undefined => {
    files.push(file);
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push(`${path}: ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      return undefined;
    }
  };
  const tls = settings.tls;
  const cert = read(tls.certFile, 'tls_server_config.cert_file');
  const key = read(tls.keyFile, 'tls_server_config.key_file');
  const ca =
    tls.clientCaFile === undefined ? undefined : read(tls.clientCaFile, 'tls_server_config.client_ca_file');
  if (!cert || !key || (tls.clientCaFile !== undefined && !ca)) return { ok: false, problems };
  const material: TlsMaterial = {
    cert,
    key,
    ...(ca && { ca }),
    minVersion: tls.minVersion,
    ...(tls.maxVersion && { maxVersion: tls.maxVersion }),
  };
  try {
    // Fails on an unreadable PEM, a key that does not match the certificate, or versions out of order.
    createSecureContext(material);
  } catch (err) {
    return { ok: false, problems: [`${path}: TLS certificate, key or CA: ${(err as Error).message}`] };
  }
  return {
    ok: true,
    config: { files, tls: { ...tls, material }, users: settings.users, headers: settings.headers },
  };
}

interface ParsedSettings {
  tls?: TlsSettings;
  users: Map<string, string>;
  headers: Map<string, string>;
}

/** The file's text alone; relative paths are taken from `baseDir`, as the toolkit does. */
export function parseWebConfig(
  text: string,
  baseDir: string,
): { ok: true; settings: ParsedSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`) };
  }
  const root: unknown = doc.toJS() ?? {};
  if (!isMap(root)) return { ok: false, problems: ['expected a mapping at the top level'] };
  checkKeys(root, '', ['tls_server_config', 'basic_auth_users', 'http_server_config'], problems);

  const users = new Map<string, string>();
  const rawUsers = root.basic_auth_users;
  if (rawUsers !== undefined && rawUsers !== null) {
    if (!isMap(rawUsers)) problems.push('basic_auth_users: expected a mapping of user name to bcrypt hash');
    else {
      for (const [user, hash] of Object.entries(rawUsers)) {
        if (user === '' || user.includes(':')) {
          problems.push(`basic_auth_users: ${JSON.stringify(user)} is not a user name (empty or with ":")`);
        } else if (typeof hash !== 'string' || !BCRYPT.test(hash)) {
          problems.push(
            `basic_auth_users.${user}: expected a bcrypt hash ($2a$, $2b$ or $2y$, e.g. from htpasswd -nBC 10 "" | tr -d ':\\n')`,
          );
        } else users.set(user, hash);
      }
    }
  }

  const headers = new Map<string, string>();
  const http = root.http_server_config;
  if (http !== undefined && http !== null) {
    if (!isMap(http)) problems.push('http_server_config: expected a mapping');
    else {
      checkKeys(http, 'http_server_config.', ['headers'], problems);
      const h = http.headers;
      if (h !== undefined && h !== null) {
        if (!isMap(h)) problems.push('http_server_config.headers: expected a mapping');
        else {
          for (const [name, value] of Object.entries(h)) {
            const known = HEADERS.find((k) => k.toLowerCase() === name.toLowerCase());
            if (!known) {
              problems.push(`http_server_config.headers.${name}: not one of ${HEADERS.join(', ')}`);
            } else if (typeof value !== 'string' || value === '' || /[\r\n]/.test(value)) {
              problems.push(`http_server_config.headers.${name}: expected a one-line value`);
            } else headers.set(known, value);
          }
        }
      }
    }
  }

  const tlsRaw = root.tls_server_config;
  let tls: TlsSettings | undefined;
  if (tlsRaw !== undefined && tlsRaw !== null) {
    if (!isMap(tlsRaw)) problems.push('tls_server_config: expected a mapping');
    else tls = parseTls(tlsRaw, baseDir, problems);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { ...(tls && { tls }), users, headers } };
}

function parseTls(
  raw: Record<string, unknown>,
  baseDir: string,
  problems: string[],
): TlsSettings | undefined {
  checkKeys(
    raw,
    'tls_server_config.',
    [
      'cert_file',
      'key_file',
      'client_auth_type',
      'client_ca_file',
      'min_version',
      'max_version',
      'client_allowed_sans',
    ],
    problems,
  );
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') {
      problems.push(`tls_server_config.${key}: expected a string`);
      return undefined;
    }
    return v;
  };
  const certFile = str('cert_file');
  const keyFile = str('key_file');
  const clientCaFile = str('client_ca_file');
  const authText = str('client_auth_type');
  const minText = str('min_version');
  const maxText = str('max_version');
  const sansRaw = raw.client_allowed_sans;
  // The toolkit's reading: no certificate and no key means plain HTTP.
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile || authText || sansRaw !== undefined) {
      problems.push('tls_server_config: cert_file and key_file are required for the other TLS settings');
    }
    return undefined;
  }
  if (certFile === undefined) problems.push('tls_server_config.cert_file: required with key_file');
  if (keyFile === undefined) problems.push('tls_server_config.key_file: required with cert_file');
  let clientAuth: ClientAuthType = clientCaFile ? 'RequireAndVerifyClientCert' : 'NoClientCert';
  if (authText !== undefined) {
    if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(authText)) {
      problems.push(
        `tls_server_config.client_auth_type: ${JSON.stringify(authText)} is not one of ${CLIENT_AUTH_TYPES.join(', ')}`,
      );
    } else clientAuth = authText as ClientAuthType;
  }
  const verifies = clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert';
  if (verifies && !clientCaFile) {
    problems.push(`tls_server_config.client_ca_file: required with client_auth_type ${clientAuth}`);
  }
  if (!verifies && clientCaFile) {
    problems.push(
      `tls_server_config.client_ca_file: given, but client_auth_type ${clientAuth} never verifies client certificates against it`,
    );
  }
  const version = (key: string, text: string | undefined): TlsVersion | undefined => {
    if (text === undefined) return undefined;
    const v = TLS_VERSIONS[text as keyof typeof TLS_VERSIONS];
    if (!v)
      problems.push(
        `tls_server_config.${key}: ${JSON.stringify(text)} is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`,
      );
    return v;
  };
  const minVersion = version('min_version', minText) ?? 'TLSv1.2';
  const maxVersion = version('max_version', maxText);
  if (maxVersion && minVersion > maxVersion) {
    problems.push('tls_server_config: min_version is above max_version');
  }
  const clientAllowedSans: string[] = [];
  if (sansRaw !== undefined && sansRaw !== null) {
    if (!Array.isArray(sansRaw) || sansRaw.some((s) => typeof s !== 'string' || s === '')) {
      problems.push('tls_server_config.client_allowed_sans: expected a list of names');
    } else if (!verifies) {
      problems.push(
        'tls_server_config.client_allowed_sans: needs a verified client certificate (client_auth_type RequireAndVerifyClientCert or VerifyClientCertIfGiven)',
      );
    } else clientAllowedSans.push(...sansRaw);
  }
  if (certFile === undefined || keyFile === undefined) return undefined;
  return {
    certFile: resolve(baseDir, certFile),
    keyFile: resolve(baseDir, keyFile),
    ...(clientCaFile && { clientCaFile: resolve(baseDir, clientCaFile) }),
    clientAuth,
    minVersion,
    ...(maxVersion && { maxVersion }),
    clientAllowedSans,
  };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(
  map: Record<string, unknown>,
  prefix: string,
  known: readonly string[],
  problems: string[],
): void {
  for (const key of Object.keys(map)) {
    if (known.includes(key)) continue;
    const why = UNSUPPORTED[`${prefix}${key}`];
    problems.push(
      why
        ? `${prefix}${key}: not supported by meridio-path-exporter (${why})`
        : `${prefix}${key}: unknown key (expected ${known.join(', ')})`,
    );
  }
}
