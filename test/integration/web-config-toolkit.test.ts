import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { ExpositionCache } from '../../src/exposition/exposition-cache.ts';
import { buildApp } from '../../src/server/app.ts';
import { readWebConfig } from '../../src/server/web-config/web-config-file.ts';
import { WebSecurity } from '../../src/server/web-config/web-security.ts';
import { makeTestPki, type TestPki } from '../support/certs.ts';

// The exporter toolkit's own test cases (prometheus/exporter-toolkit v0.17.1, package web: its
// TestYAMLFiles, TestServerBehaviour, TestUsers, TestConfigReloading and the four handler tests),
// re-created as our fixtures: the same configuration in each case and the verdict the toolkit's test
// expects of it. Then the behaviours around them that the toolkit has and its suite does not test.

const logger = pino({ level: 'silent' });

interface Client {
  /** HTTPS with the test CA; otherwise plain HTTP. */
  tls?: boolean;
  cert?: 'self' | 'self2' | 'stranger';
  user?: string;
  password?: string;
  /** A TLS 1.0/1.1-only client (allowed to offer them at all). */
  maxVersion?: 'TLSv1' | 'TLSv1.1';
  ciphers?: string;
  curve?: string;
  /** Requests after the first (the toolkit's `Requests`). */
  more?: number;
}

type Expect =
  /** The file is refused at start, with a problem matching this. */
  | { refused: RegExp }
  /** Every request answered with this status (the body and headers of the first checked when given). */
  | { status: number; body?: string; headers?: Record<string, string>; cipher?: string }
  /** Answers in this order. */
  | { statuses: number[] }
  /** The TLS connection fails (no HTTP answer at all). */
  | { connectionFails: true };

interface Case {
  name: string;
  /** The file's lines; undefined: no --web.config.file. */
  config?: string[];
  /** Only the file is judged when absent. */
  client?: Client;
  expect: Expect;
}

let pki: TestPki;
let dir: string;
const users: Record<string, string> = {};
const USERS = ['alice', 'bob', 'carol', 'dave'];

/** Placeholders in the cases' lines, filled from the test PKI. */
function fill(line: string): string {
  if (line === '$USERS')
    return ['basic_auth_users:', ...USERS.map((u) => `  ${u}: '${users[u]}'`)].join('\n');
  const pem = (file: string) => JSON.stringify(readFileSync(file, 'utf8'));
  return line
    .replaceAll('$CERT_PEM', pem(pki.serverRsaCert))
    .replaceAll('$KEY_PEM', pem(pki.serverRsaKey))
    .replaceAll('$CERT', pki.serverRsaCert)
    .replaceAll('$KEY', pki.serverRsaKey)
    .replaceAll('$CA', pki.caCert)
    .replaceAll('$SELF2', pki.selfSignedClient2Cert)
    .replaceAll('$SELF', pki.selfSignedClientCert);
}

const TLS = ['tls_server_config:', '  cert_file: $CERT', '  key_file: $KEY'];
/** The toolkit's baseline TLS file: verify a certificate if given, no CA (the system's roots). */
const NO_AUTH_GOOD = [...TLS, '  client_auth_type: VerifyClientCertIfGiven'];
const SOME_CIPHERS = [
  ...NO_AUTH_GOOD,
  '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
  '  min_version: TLS12',
  '  max_version: TLS12',
];
const SOME_CURVES = [...NO_AUTH_GOOD, '  min_version: TLS13', '  curve_preferences: [CurveP521]'];
const NO_HTTP2 = [
  ...NO_AUTH_GOOD,
  '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
  '  max_version: TLS12',
];
const HEADERS_GOOD = [
  'http_server_config:',
  '  headers:',
  '    X-Frame-Options: deny',
  '    Strict-Transport-Security: max-age=31536000; includeSubDomains',
  '    X-Content-Type-Options: nosniff',
  '    X-XSS-Protection: 1',
  `    Content-Security-Policy: default-src 'self' *.test.example.net`,
];
const HEADERS_EXPECTED = {
  'x-frame-options': 'deny',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '1',
};
const USERS_LINES = ['$USERS'];
const SAN_CLIENT = [...TLS, '  client_auth_type: RequireAndVerifyClientCert', '  client_ca_file: $SELF2'];
/** The toolkit's tests give a path that does not exist. */
const MISSING_FILE: string[] = [];
const T: Client = { tls: true };
const PLAIN_HTTP_ANSWER = 'Client sent an HTTP request to an HTTPS server.\n';

/** TestYAMLFiles: each file judged at start. */
const YAML_FILES: Case[] = [
  { name: 'path to config yml invalid', config: MISSING_FILE, expect: { refused: /somefile: ENOENT/ } },
  { name: 'empty config yml', config: [], client: {}, expect: { status: 200 } },
  {
    name: 'invalid config yml (invalid structure)',
    config: ['cW0ThLeMrlIjR3lpE7yjfbmUgDlFNPcWQbK1dMvCxCxCNUO4l8R6LjMaZMgsvJQI'],
    expect: { refused: /mapping at the top level/ },
  },
  {
    name: 'invalid config yml (invalid key)',
    config: ['tls_server_config:', '  cert_filse: $CERT', '  key_file: $KEY'],
    expect: { refused: /cert_filse: unknown key/ },
  },
  {
    name: 'invalid config yml (cert path empty)',
    config: ['tls_server_config:', '  cert_file: ""', '  key_file: $KEY'],
    expect: { refused: /missing one of cert or cert_file/ },
  },
  {
    name: 'invalid config yml (cert empty)',
    config: ['tls_server_config:', '  cert: ""', '  key_file: $KEY'],
    expect: { refused: /missing one of cert or cert_file/ },
  },
  {
    name: 'invalid config yml (key path empty)',
    config: ['tls_server_config:', '  cert_file: $CERT', '  key_file: ""'],
    expect: { refused: /missing one of key or key_file/ },
  },
  {
    name: 'invalid config yml (key empty)',
    config: ['tls_server_config:', '  cert_file: $CERT', '  key: ""'],
    expect: { refused: /missing one of key or key_file/ },
  },
  {
    name: 'invalid config yml (cert path and key path empty)',
    config: ['tls_server_config:', '  cert_file: ""', '  key_file: ""', '  client_auth_type: x'],
    expect: { refused: /missing one of cert or cert_file/ },
  },
  {
    name: 'invalid config yml (cert path invalid)',
    config: ['tls_server_config:', '  cert_file: somefile', '  key_file: $KEY'],
    expect: { refused: /cert_file .*somefile: ENOENT/ },
  },
  {
    name: 'invalid config yml (key path invalid)',
    config: ['tls_server_config:', '  cert_file: $CERT.missing', '  key_file: somefile'],
    expect: { refused: /ENOENT/ },
  },
  {
    name: 'invalid config yml (cert path and key path invalid)',
    config: ['tls_server_config:', '  cert_file: somefile', '  key_file: somefile'],
    expect: { refused: /somefile: ENOENT/ },
  },
  {
    name: 'invalid config yml (invalid ClientAuth)',
    config: [...TLS, '  client_ca_file: /dev/null'],
    expect: { refused: /client CA's have been configured without a Client Auth Policy/ },
  },
  {
    name: 'invalid config yml (invalid ClientCAs filepath)',
    config: [...TLS, '  client_ca_file: somefile'],
    expect: { refused: /client_ca_file .*somefile: ENOENT/ },
  },
  {
    name: 'invalid config yml (invalid user list)',
    config: [...TLS, 'basic_auth_users:', '  john: doe'],
    expect: { refused: /hashedSecret too short to be a bcrypted password/ },
  },
  {
    name: 'invalid config yml (bad cipher)',
    config: [...NO_AUTH_GOOD, '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048]'],
    expect: { refused: /unknown cipher: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048/ },
  },
  {
    name: 'invalid config yml (bad curves)',
    config: [...NO_AUTH_GOOD, '  curve_preferences: [CurveP257]'],
    expect: { refused: /unknown curve: CurveP257/ },
  },
  {
    name: 'invalid config yml (bad TLS version)',
    config: [...NO_AUTH_GOOD, '  min_version: TLS111'],
    expect: { refused: /unknown TLS version: TLS111/ },
  },
];

/** TestServerBehaviour: the server as a client sees it. */
const SERVER_BEHAVIOUR: Case[] = [
  { name: 'empty string YAMLConfigPath and default client', client: {}, expect: { status: 200 } },
  { name: 'empty string YAMLConfigPath and TLS client', client: T, expect: { connectionFails: true } },
  {
    name: 'valid tls config yml and default client',
    config: NO_AUTH_GOOD,
    client: {},
    expect: { status: 400, body: PLAIN_HTTP_ANSWER },
  },
  { name: 'valid tls config yml and tls client', config: NO_AUTH_GOOD, client: T, expect: { status: 200 } },
  {
    name: 'valid tls config yml (cert and key inline) and tls client',
    config: [
      'tls_server_config:',
      '  cert: $CERT_PEM',
      '  key: $KEY_PEM',
      '  client_auth_type: VerifyClientCertIfGiven',
    ],
    client: T,
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with TLS 1.1 client',
    config: NO_AUTH_GOOD,
    client: { tls: true, maxVersion: 'TLSv1.1' },
    expect: { connectionFails: true },
  },
  {
    name: 'valid tls config yml with all ciphers',
    config: [
      ...NO_AUTH_GOOD,
      '  cipher_suites:',
      ...[
        'TLS_AES_128_GCM_SHA256',
        'TLS_AES_256_GCM_SHA384',
        'TLS_CHACHA20_POLY1305_SHA256',
        'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
        'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
        'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
        'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
        'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
        'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
        'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
        'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      ].map((c) => `    - ${c}`),
    ],
    client: T,
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with some ciphers',
    config: SOME_CIPHERS,
    client: { tls: true, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with no common cipher',
    config: SOME_CIPHERS,
    client: { tls: true, ciphers: 'ECDHE-RSA-AES256-SHA' },
    expect: { connectionFails: true },
  },
  {
    name: 'valid tls config yml with multiple client ciphers',
    config: SOME_CIPHERS,
    client: { tls: true, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' },
    expect: { status: 200, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
  },
  {
    name: 'valid tls config yml with multiple client ciphers, client chooses cipher',
    config: [
      ...NO_AUTH_GOOD,
      '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]',
      '  prefer_server_cipher_suites: false',
      '  min_version: TLS12',
      '  max_version: TLS12',
    ],
    client: { tls: true, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' },
    expect: { status: 200, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
  },
  {
    name: 'valid tls config yml with all curves',
    config: [...NO_AUTH_GOOD, '  curve_preferences: [CurveP256, CurveP384, CurveP521, X25519]'],
    client: T,
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with some curves',
    config: SOME_CURVES,
    client: { tls: true, curve: 'P-521' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with no common curves',
    config: SOME_CURVES,
    client: { tls: true, curve: 'P-384' },
    expect: { connectionFails: true },
  },
  {
    name: 'valid tls config yml with non-http2 ciphers',
    config: [...NO_HTTP2, 'http_server_config:', '  http2: false'],
    client: T,
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml with non-http2 ciphers but http2 enabled',
    config: NO_HTTP2,
    client: T,
    expect: { refused: /HTTP\/2 server requires it/ },
  },
  {
    name: 'valid headers config',
    config: HEADERS_GOOD,
    client: {},
    expect: { status: 200, headers: HEADERS_EXPECTED },
  },
  {
    name: 'invalid X-Content-Type-Options headers config',
    config: ['http_server_config:', '  headers:', '    X-Content-Type-Options: sniff'],
    client: {},
    expect: { refused: /invalid value for X-Content-Type-Options/ },
  },
  {
    name: 'invalid X-Frame-Options headers config',
    config: ['http_server_config:', '  headers:', '    X-Frame-Options: foo'],
    client: {},
    expect: { refused: /invalid value for X-Frame-Options/ },
  },
  {
    name: 'HTTP header that can not be overridden',
    config: ['http_server_config:', '  headers:', '    Content-Type: foo'],
    client: {},
    expect: { refused: /HTTP header "Content-Type" can not be configured/ },
  },
  {
    name: 'valid tls config yml and tls client with RequireAnyClientCert (present certificate)',
    config: [...TLS, '  client_auth_type: RequireAnyClientCert'],
    client: { tls: true, cert: 'self' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml (cert from file, key inline) and tls client with RequireAnyClientCert (present certificate)',
    config: [
      'tls_server_config:',
      '  cert_file: $CERT',
      '  key: $KEY_PEM',
      '  client_auth_type: RequireAnyClientCert',
    ],
    client: { tls: true, cert: 'self' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml and tls client with RequireAndVerifyClientCert (present certificate)',
    config: [...TLS, '  client_auth_type: RequireAndVerifyClientCert', '  client_ca_file: $SELF'],
    client: { tls: true, cert: 'self' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml and tls client with VerifyPeerCertificate (present good SAN DNS entry)',
    config: [...SAN_CLIENT, '  client_allowed_sans: [one, test3, two]'],
    client: { tls: true, cert: 'self2' },
    expect: { status: 200 },
  },
  {
    name: 'valid tls config yml and tls client with VerifyPeerCertificate (present invalid SAN DNS entries)',
    config: [...SAN_CLIENT, '  client_allowed_sans: [bad]'],
    client: { tls: true, cert: 'self2' },
    expect: { connectionFails: true },
  },
  {
    name: "valid rate limiter (no rate limiter set up) that doesn't block",
    config: ['rate_limit:', '  interval: 0', '  burst: 0'],
    client: { more: 10 },
    expect: { status: 200 },
  },
  {
    name: 'valid rate limiter with an interval of one second',
    config: ['rate_limit:', '  interval: 1s', '  burst: 0'],
    client: { more: 10 },
    expect: { status: 429, body: 'Too Many Requests\n' },
  },
];

/** TestUsers. */
const USERS_CASES: Case[] = [
  { name: 'without basic auth', config: [], client: {}, expect: { status: 401, body: 'Unauthorized\n' } },
  {
    name: 'with correct basic auth',
    config: [],
    client: { user: 'dave', password: 'dave123' },
    expect: { status: 200 },
  },
  { name: 'without basic auth and TLS', config: TLS, client: T, expect: { status: 401 } },
  {
    name: 'with correct basic auth and TLS',
    config: TLS,
    client: { tls: true, user: 'dave', password: 'dave123' },
    expect: { status: 200 },
  },
  {
    name: 'with another correct basic auth and TLS',
    config: TLS,
    client: { tls: true, user: 'carol', password: 'carol123' },
    expect: { status: 200 },
  },
  {
    name: 'with bad password and TLS',
    config: TLS,
    client: { tls: true, user: 'dave', password: 'bad' },
    expect: { status: 401 },
  },
  {
    name: 'with bad username and TLS',
    config: TLS,
    client: { tls: true, user: 'nonexistent', password: 'nonexistent' },
    expect: { status: 401 },
  },
].map((c) => ({ ...c, config: [...c.config, ...USERS_LINES] }));

/** Around the suite: what the toolkit accepts and its tests do not cover. */
const BEYOND_THE_SUITE: Case[] = [
  {
    name: 'client_allowed_sans with RequireAnyClientCert: a certificate with an allowed SAN gets in',
    config: [...TLS, '  client_auth_type: RequireAnyClientCert', '  client_allowed_sans: [test3]'],
    client: { tls: true, cert: 'self2' },
    expect: { status: 200 },
  },
  {
    name: 'client_allowed_sans with RequireAnyClientCert: one without is refused',
    config: [...TLS, '  client_auth_type: RequireAnyClientCert', '  client_allowed_sans: [test3]'],
    client: { tls: true, cert: 'self' },
    expect: { connectionFails: true },
  },
  {
    name: 'an empty client_allowed_sans admits no certificate',
    config: [...SAN_CLIENT, '  client_allowed_sans: []'],
    client: { tls: true, cert: 'self2' },
    expect: { connectionFails: true },
  },
  {
    name: 'a client CA with RequestClientCert: a certificate of another CA is asked for, not verified',
    config: [...TLS, '  client_auth_type: RequestClientCert', '  client_ca_file: $CA'],
    client: { tls: true, cert: 'stranger' },
    expect: { status: 200 },
  },
  {
    name: 'a client CA with RequireAnyClientCert: any certificate',
    config: [...TLS, '  client_auth_type: RequireAnyClientCert', '  client_ca_file: $CA'],
    client: { tls: true, cert: 'stranger' },
    expect: { status: 200 },
  },
  {
    name: 'a client CA with RequireAnyClientCert: none is refused',
    config: [...TLS, '  client_auth_type: RequireAnyClientCert', '  client_ca_file: $CA'],
    client: T,
    expect: { connectionFails: true },
  },
  {
    name: 'VerifyClientCertIfGiven without a CA: a self-signed certificate is not verified and refused',
    config: NO_AUTH_GOOD,
    client: { tls: true, cert: 'self' },
    expect: { connectionFails: true },
  },
  {
    name: 'an empty client CA trusts nothing (Go skips what is not a certificate)',
    config: [...TLS, '  client_auth_type: RequireAndVerifyClientCert', '  client_ca_file: /dev/null'],
    client: { tls: true, cert: 'self' },
    expect: { connectionFails: true },
  },
  {
    name: 'RequireClientCert, the other name of RequireAnyClientCert',
    config: [...TLS, '  client_auth_type: RequireClientCert'],
    client: { tls: true, cert: 'self' },
    expect: { status: 200 },
  },
  {
    name: 'min_version TLS10 serves a TLS 1.0 client, as Go does',
    config: [...TLS, '  min_version: TLS10'],
    client: { tls: true, maxVersion: 'TLSv1' },
    expect: { status: 200 },
  },
  {
    name: 'min_version TLS11 serves a TLS 1.1 client',
    config: [...TLS, '  min_version: TLS11'],
    client: { tls: true, maxVersion: 'TLSv1.1' },
    expect: { status: 200 },
  },
  {
    name: 'rate_limit: the bucket starts full and holds burst tokens',
    config: ['rate_limit:', '  interval: 1m', '  burst: 2'],
    client: { more: 3 },
    expect: { statuses: [200, 200, 429, 429] },
  },
  {
    name: 'headers: an unquoted number and an empty value are text, as yaml.v2 reads them',
    config: ['http_server_config:', '  headers:', '    X-XSS-Protection: 0', '    Content-Security-Policy:'],
    client: {},
    expect: { status: 200, headers: { 'x-xss-protection': '0', 'content-security-policy': '' } },
  },
];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  cipher?: string;
}

function request(url: string, client: Client): Promise<Answer> {
  const u = new URL(url);
  const certs = {
    self: ['selfSignedClientCert', 'selfSignedClientKey'],
    self2: ['selfSignedClient2Cert', 'selfSignedClient2Key'],
    stranger: ['strangerCert', 'strangerKey'],
  } as const;
  const pair = client.cert && certs[client.cert];
  const options = {
    host: u.hostname,
    port: u.port,
    path: '/',
    agent: false as const,
    timeout: 5000,
    headers:
      client.user === undefined
        ? {}
        : { authorization: `Basic ${Buffer.from(`${client.user}:${client.password}`).toString('base64')}` },
    ...(client.tls && { ca: readFileSync(pki.caCert), servername: 'localhost' }),
    ...(pair && { cert: readFileSync(pki[pair[0]]), key: readFileSync(pki[pair[1]]) }),
    // OpenSSL 3 offers TLS 1.0 and 1.1 only at security level 0.
    ...(client.maxVersion && {
      minVersion: 'TLSv1' as const,
      maxVersion: client.maxVersion,
      ciphers: 'DEFAULT@SECLEVEL=0',
    }),
    ...(client.ciphers && { ciphers: client.ciphers }),
    ...(client.curve && { ecdhCurve: client.curve }),
  };
  return new Promise((resolve, reject) => {
    const req = (client.tls ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      const cipher = (res.socket as TLSSocket).getCipher?.()?.name;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: res.headers,
          ...(cipher && { cipher }),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const apps: FastifyInstance[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

/** The exporter's HTTP side as `startExporter` builds it, on a free port; undefined when the file is refused. */
async function serve(
  file: string | undefined,
): Promise<{ url: string; security?: WebSecurity } | { problems: string[] }> {
  let security: WebSecurity | undefined;
  if (file !== undefined) {
    const read = readWebConfig(file);
    if (!read.ok) return { problems: read.problems };
    security = new WebSecurity(file, read.config, logger);
  }
  const app = await buildApp({
    cache: new ExpositionCache(),
    telemetryPath: '/metrics',
    logger,
    ready: () => true,
    graph: () => undefined,
    refreshSeconds: 15,
    ...(security && { security }),
  });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `${security?.tlsOptions() ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...(security && { security }),
  };
}

let fileCount = 0;
function writeConfig(lines: string[]): string {
  const file = join(dir, `web-${++fileCount}.yml`);
  writeFileSync(file, `${lines.map(fill).join('\n')}\n`);
  return file;
}

async function runCase(c: Case): Promise<void> {
  const file =
    c.config === MISSING_FILE
      ? join(dir, 'somefile')
      : c.config === undefined
        ? undefined
        : writeConfig(c.config);
  const served = await serve(file);
  if ('problems' in served) {
    assert.ok('refused' in c.expect, `refused: ${served.problems.join(' | ')}`);
    assert.ok(
      served.problems.some((p) => (c.expect as { refused: RegExp }).refused.test(p)),
      `expected a problem matching ${c.expect.refused}, got: ${served.problems.join(' | ')}`,
    );
    return;
  }
  assert.ok(
    !('refused' in c.expect),
    `the file was accepted, the toolkit refuses it (${JSON.stringify(c.expect)})`,
  );
  if (!c.client) return;
  const e = c.expect;
  const answers: Answer[] = [];
  for (let i = 0; i <= (c.client.more ?? 0); i++) {
    const r: Answer | Error = await request(served.url, c.client).then(
      (a) => a,
      (err: Error) => err,
    );
    if ('connectionFails' in e) {
      assert.ok(r instanceof Error, `expected the connection to fail, got HTTP ${(r as Answer).status}`);
      return;
    }
    if (r instanceof Error) assert.fail(`request ${i + 1} failed: ${r.message}`);
    answers.push(r);
  }
  if ('statuses' in e) {
    assert.deepEqual(
      answers.map((a) => a.status),
      e.statuses,
    );
    return;
  }
  if (!('status' in e)) return;
  for (const a of answers) assert.equal(a.status, e.status, a.body);
  const first = answers[0] as Answer;
  if (e.body !== undefined) assert.equal(first.body, e.body);
  if (e.cipher) assert.equal(first.cipher, e.cipher);
  for (const [name, value] of Object.entries(e.headers ?? {})) assert.equal(first.headers[name], value, name);
}

describe("the exporter toolkit's web configuration tests, case by case", () => {
  before(async () => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'mpe-toolkit-'));
    for (const u of USERS) users[u] = await bcrypt.hash(`${u}123`, 4);
  });
  after(() => {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [suite, cases] of [
    ['TestYAMLFiles', YAML_FILES],
    ['TestServerBehaviour', SERVER_BEHAVIOUR],
    ['TestUsers', USERS_CASES],
    ['beyond the suite', BEYOND_THE_SUITE],
  ] as const) {
    for (const c of cases) it(`${suite}: ${c.name}`, () => runCase(c));
  }

  it('TestConfigReloading: a changed client_auth_type applies to the next connection, without a restart', async () => {
    const file = writeConfig([...TLS, '  client_auth_type: RequireAndVerifyClientCert']);
    const served = await serve(file);
    assert.ok(!('problems' in served) && served.security);
    await assert.rejects(request(served.url, T));
    writeFileSync(file, `${[...NO_AUTH_GOOD].map(fill).join('\n')}\n`);
    assert.equal(served.security.reload(), true);
    assert.equal((await request(served.url, T)).status, 200);
  });

  it('TestBasicAuthCache: the right and a wrong password, then 150 of each at once', async () => {
    const served = await serve(writeConfig(USERS_LINES));
    assert.ok(!('problems' in served));
    const good = { user: 'alice', password: 'alice123' };
    const bad = { user: 'alice', password: 'alice1234' };
    assert.equal((await request(served.url, good)).status, 200);
    assert.equal((await request(served.url, bad)).status, 401);
    const all = await Promise.all([
      ...Array.from({ length: 150 }, () => request(served.url, good)),
      ...Array.from({ length: 150 }, () => request(served.url, bad)),
    ]);
    assert.deepEqual(
      all.map((a) => a.status),
      [...Array(150).fill(200), ...Array(150).fill(401)],
    );
  });

  it('TestBasicAuthWithFakepassword: an unknown user is refused, twice', async () => {
    const served = await serve(writeConfig(USERS_LINES));
    assert.ok(!('problems' in served));
    for (let i = 0; i < 2; i++) {
      assert.equal((await request(served.url, { user: 'fakeuser', password: 'fakepassword' })).status, 401);
    }
  });

  it('TestByPassBasicAuthVuln: a user name or password carrying a hash does not get in', async () => {
    const served = await serve(writeConfig(USERS_LINES));
    assert.ok(!('problems' in served));
    const alice = users.alice as string;
    assert.equal(
      (await request(served.url, { user: `alice${alice}`, password: 'fakepassword' })).status,
      401,
    );
    assert.equal(
      (await request(served.url, { user: 'alice', password: `${alice}fakepassword` })).status,
      401,
    );
  });

  it('TestHTTPHeaders: the configured headers are on the answer', async () => {
    await runCase({
      name: 'headers',
      config: HEADERS_GOOD,
      client: {},
      expect: { status: 200, headers: HEADERS_EXPECTED },
    });
  });

  it('plain HTTP sent in pieces smaller than 5 bytes still gets the 400, as Go waits for 5 bytes too', async () => {
    const served = await serve(writeConfig(NO_AUTH_GOOD));
    assert.ok(!('problems' in served));
    const port = Number(new URL(served.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write('GE');
        setTimeout(() => socket.write('T / HTTP/1.1\r\nHost: x\r\n\r\n'), 50);
      });
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(
      answer,
      /^HTTP\/1\.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server\.\n$/,
    );
  });

  it('covers the 57 cases of the toolkit (18 + 27 + 7 table rows and 5 tests of their own)', () => {
    assert.deepEqual([YAML_FILES.length, SERVER_BEHAVIOUR.length, USERS_CASES.length], [18, 27, 7]);
  });
});
