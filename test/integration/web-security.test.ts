import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import { ConfigError } from '../../src/config/config.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { makeTestPki, type TestPki } from '../support/certs.ts';
import { startTestExporter } from '../support/exporter.ts';
import { TestPrometheus } from '../support/prometheus.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  fingerprint?: string;
}

interface Client {
  ca?: string;
  cert?: string;
  key?: string;
  user?: string;
  password?: string;
}

const read = (f: string) => readFileSync(f);

function get(url: string, client: Client = {}): Promise<Answer> {
  const u = new URL(url);
  const auth =
    client.user === undefined
      ? {}
      : { authorization: `Basic ${Buffer.from(`${client.user}:${client.password}`).toString('base64')}` };
  return new Promise((resolve, reject) => {
    const options = {
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: auth,
      agent: false as const,
      timeout: 5000,
      ...(client.ca && { ca: read(client.ca) }),
      ...(client.cert && { cert: read(client.cert) }),
      ...(client.key && { key: read(client.key) }),
    };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      const peer = (res.socket as TLSSocket).getPeerCertificate?.() as PeerCertificate | undefined;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(peer?.fingerprint256 && { fingerprint: peer.fingerprint256 }),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen in ${timeoutMs} ms${last ? `: ${last}` : ''}`);
}

const PASSWORD = 'correct horse battery staple';

describe('--web.config.file: TLS and basic auth', () => {
  let pki: TestPki;
  let dir: string;
  let configFile: string;
  let exporter: RunningExporter;
  const prometheus = new TestPrometheus();
  let hash: string;

  const writeConfig = (lines: string[]) => writeFileSync(configFile, `${lines.join('\n')}\n`);
  const tlsLines = () => [
    'tls_server_config:',
    '  cert_file: tls.crt',
    '  key_file: tls.key',
    'http_server_config:',
    '  headers:',
    '    Strict-Transport-Security: max-age=31536000',
  ];

  before(async () => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'mpe-webcfg-'));
    copyFileSync(pki.serverCert, join(dir, 'tls.crt'));
    copyFileSync(pki.serverKey, join(dir, 'tls.key'));
    configFile = join(dir, 'web.yml');
    hash = bcrypt.hashSync(PASSWORD, 10);
    writeConfig([...tlsLines(), 'basic_auth_users:', `  prometheus: '${hash}'`]);
    exporter = await startTestExporter(
      [
        '--demo=worker-a',
        `--web.config.file=${configFile}`,
        '--collect.interval=1s',
        '--collect.command-timeout=500ms',
        '--collect.state-interval=1s',
      ],
      { schedule: true, webConfigWatchMs: 100 },
    );
  });
  after(async () => {
    await prometheus.stop();
    await exporter?.stop();
    rmSync(dir, { recursive: true, force: true });
    pki?.remove();
  });

  it('serves HTTPS only: plain HTTP gets the 400 Go sends', async () => {
    assert.match(exporter.url, /^https:\/\//);
    const plain = await get(`${exporter.url.replace('https:', 'http:')}/metrics`);
    assert.equal(plain.status, 400);
    assert.equal(plain.body, 'Client sent an HTTP request to an HTTPS server.\n');
  });

  it('refuses /metrics, / and /api/v1/path without credentials or with a wrong password', async () => {
    for (const path of ['/metrics', '/', '/api/v1/path']) {
      const r = await get(`${exporter.url}${path}`, { ca: pki.caCert });
      assert.equal(r.status, 401, path);
      assert.match(String(r.headers['www-authenticate']), /^Basic realm=/);
    }
    const wrong = await get(`${exporter.url}/metrics`, {
      ca: pki.caCert,
      user: 'prometheus',
      password: 'guess',
    });
    assert.equal(wrong.status, 401);
    const unknown = await get(`${exporter.url}/metrics`, {
      ca: pki.caCert,
      user: 'admin',
      password: PASSWORD,
    });
    assert.equal(unknown.status, 401);
  });

  it('answers with the right password, and sets the configured headers', async () => {
    const r = await get(`${exporter.url}/metrics`, {
      ca: pki.caCert,
      user: 'prometheus',
      password: PASSWORD,
    });
    assert.equal(r.status, 200);
    assert.match(r.body, /vpp_interface_tx_packets_total\{/);
    assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
  });

  it('leaves the kubelet probes open (they say only alive and ready)', async () => {
    assert.equal((await get(`${exporter.url}/healthz`, { ca: pki.caCert })).status, 200);
    assert.equal((await get(`${exporter.url}/readyz`, { ca: pki.caCert })).status, 200);
  });

  it('a real Prometheus scrapes it over TLS with basic auth, and fails without credentials or TLS', async () => {
    const target = new URL(exporter.url).host;
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, PASSWORD);
    await prometheus.start(
      [],
      '',
      [],
      [
        '  - job_name: secure',
        '    scheme: https',
        '    honor_labels: true',
        '    tls_config:',
        `      ca_file: ${pki.caCert}`,
        '    basic_auth:',
        '      username: prometheus',
        `      password_file: ${passwordFile}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '  - job_name: no-credentials',
        '    scheme: https',
        '    tls_config:',
        `      ca_file: ${pki.caCert}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '  - job_name: plain-http',
        '    static_configs:',
        `      - targets: ['${target}']`,
      ],
    );
    const up = await prometheus.queryUntil('up', 3);
    const byJob = Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]));
    await until('every job scraped', async () => {
      const r = await prometheus.query('up');
      for (const s of r) byJob[s.metric.job as string] = s.value[1];
      return r.length === 3 && byJob.secure === '1' ? true : undefined;
    });
    assert.deepEqual(byJob, { secure: '1', 'no-credentials': '0', 'plain-http': '0' });
    const stored = await prometheus.queryUntil(
      'vpp_interface_tx_packets_total{job="secure",interface="tap3"}',
    );
    assert.equal(stored[0]?.value[1], '37');
  });

  it('serves a rotated certificate without a restart', async () => {
    const before = (await get(`${exporter.url}/healthz`, { ca: pki.caCert })).fingerprint;
    copyFileSync(pki.serverCert2, join(dir, 'tls.crt'));
    copyFileSync(pki.serverKey2, join(dir, 'tls.key'));
    const after = await until('the new certificate served', async () => {
      const f = (await get(`${exporter.url}/healthz`, { ca: pki.caCert })).fingerprint;
      return f !== before ? f : undefined;
    });
    assert.ok(after);
  });

  it('takes a changed password without a restart', async () => {
    writeConfig([
      ...tlsLines(),
      'basic_auth_users:',
      `  prometheus: '${bcrypt.hashSync('new password', 10)}'`,
    ]);
    await until('the new password accepted', async () => {
      const r = await get(`${exporter.url}/metrics`, {
        ca: pki.caCert,
        user: 'prometheus',
        password: 'new password',
      });
      return r.status === 200 ? true : undefined;
    });
    const old = await get(`${exporter.url}/metrics`, {
      ca: pki.caCert,
      user: 'prometheus',
      password: PASSWORD,
    });
    assert.equal(old.status, 401);
  });

  it('keeps the last good configuration when the file turns invalid, and says so in a metric', async () => {
    writeConfig([...tlsLines(), 'basic_auth_users:', '  prometheus: plain-text-password']);
    const creds = { ca: pki.caCert, user: 'prometheus', password: 'new password' };
    await until('the refused reload reported', async () => {
      const r = await get(`${exporter.url}/metrics`, creds);
      return /meridio_path_exporter_web_config_last_reload_successful\{[^}]*\} 0/.test(r.body)
        ? true
        : undefined;
    });
    assert.equal((await get(`${exporter.url}/metrics`, creds)).status, 200);
    writeConfig(['basic_auth_users:', `  prometheus: '${hash}'`]);
    // Turning TLS off takes a restart: refused, TLS stays.
    await new Promise((r) => setTimeout(r, 1500));
    const still = await get(`${exporter.url}/metrics`, creds);
    assert.equal(still.status, 200);
    assert.match(still.body, /meridio_path_exporter_web_config_last_reload_successful\{[^}]*\} 0/);
    writeConfig([...tlsLines(), 'basic_auth_users:', `  prometheus: '${hash}'`]);
    await until('the good reload reported', async () => {
      const r = await get(`${exporter.url}/metrics`, { ...creds, password: PASSWORD });
      return /meridio_path_exporter_web_config_last_reload_successful\{[^}]*\} 1/.test(r.body)
        ? true
        : undefined;
    });
  });
});

describe('--web.config.file: client certificates', () => {
  let pki: TestPki;
  let dir: string;
  const started: RunningExporter[] = [];

  before(() => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'mpe-mtls-'));
  });
  after(async () => {
    for (const e of started) await e.stop();
    rmSync(dir, { recursive: true, force: true });
    pki?.remove();
  });

  async function exporterWith(name: string, tls: string[]): Promise<RunningExporter> {
    const file = join(dir, `${name}.yml`);
    writeFileSync(
      file,
      [
        'tls_server_config:',
        `  cert_file: ${pki.serverCert}`,
        `  key_file: ${pki.serverKey}`,
        ...tls,
        '',
      ].join('\n'),
    );
    const e = await startTestExporter(['--demo=worker-a', `--web.config.file=${file}`]);
    started.push(e);
    return e;
  }

  const status = async (url: string, client: Client): Promise<number | string> => {
    try {
      return (await get(`${url}/metrics`, { ca: pki.caCert, ...client })).status;
    } catch (err) {
      return `refused (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  };
  const mine = () => ({ cert: pki.clientCert, key: pki.clientKey });
  const stranger = () => ({ cert: pki.strangerCert, key: pki.strangerKey });

  it('RequireAndVerifyClientCert: only a certificate of the client CA gets in', async () => {
    const e = await exporterWith('verify', [
      `  client_ca_file: ${pki.caCert}`,
      '  client_auth_type: RequireAndVerifyClientCert',
    ]);
    assert.equal(await status(e.url, mine()), 200);
    assert.match(String(await status(e.url, {})), /^refused/);
    assert.match(String(await status(e.url, stranger())), /^refused/);
  });

  it('client_allowed_sans: a verified certificate without an allowed SAN is refused', async () => {
    const e = await exporterWith('sans', [
      `  client_ca_file: ${pki.caCert}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_allowed_sans: [grafana]',
    ]);
    assert.match(String(await status(e.url, mine())), /^refused/);
    const ok = await exporterWith('sans-ok', [
      `  client_ca_file: ${pki.caCert}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_allowed_sans: [prometheus]',
    ]);
    assert.equal(await status(ok.url, mine()), 200);
  });

  it('RequireAnyClientCert: any certificate, none refused', async () => {
    const e = await exporterWith('any', ['  client_auth_type: RequireAnyClientCert']);
    assert.equal(await status(e.url, stranger()), 200);
    assert.match(String(await status(e.url, {})), /^refused/);
  });

  it('VerifyClientCertIfGiven: none is fine, a foreign one is refused', async () => {
    const e = await exporterWith('if-given', [
      `  client_ca_file: ${pki.caCert}`,
      '  client_auth_type: VerifyClientCertIfGiven',
    ]);
    assert.equal(await status(e.url, {}), 200);
    assert.equal(await status(e.url, mine()), 200);
    assert.match(String(await status(e.url, stranger())), /^refused/);
  });

  it('a key that does not match the certificate is a configuration error at start', async () => {
    const file = join(dir, 'mismatch.yml');
    writeFileSync(file, `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.clientKey}\n`);
    await assert.rejects(
      startTestExporter(['--demo=worker-a', `--web.config.file=${file}`]),
      (err: unknown) =>
        err instanceof ConfigError && /--web.config.file: .*failed to load X509KeyPair/.test(err.message),
    );
  });

  it('a missing certificate file is a configuration error naming it', async () => {
    const file = join(dir, 'missing.yml');
    writeFileSync(file, `tls_server_config:\n  cert_file: nowhere.crt\n  key_file: ${pki.serverKey}\n`);
    await assert.rejects(
      startTestExporter(['--demo=worker-a', `--web.config.file=${file}`]),
      (err: unknown) => err instanceof ConfigError && /cert_file .*nowhere\.crt: ENOENT/.test(err.message),
    );
  });
});
