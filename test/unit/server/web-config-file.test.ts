import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseWebConfig } from '../../../src/server/web-config/web-config-file.ts';

const HASH = '$2b$10$ztqtyNkQIj5rvBj64GmVouJvITlYg7JZ2AKixxgSduabrkdggafVK';

function problems(text: string): string[] {
  const r = parseWebConfig(text, '/etc/mpe');
  assert.equal(r.ok, false, `expected ${JSON.stringify(text)} to be refused`);
  return r.ok ? [] : r.problems;
}

function settings(text: string) {
  const r = parseWebConfig(text, '/etc/mpe');
  assert.ok(r.ok, r.ok ? '' : r.problems.join('; '));
  return r.settings;
}

describe('good web configurations', () => {
  test('an empty file is plain HTTP without authentication', () => {
    const s = settings('');
    assert.equal(s.tls, undefined);
    assert.equal(s.users.size, 0);
  });

  test('basic auth users only', () => {
    const s = settings(`basic_auth_users:\n  prometheus: '${HASH}'\n`);
    assert.equal(s.users.get('prometheus'), HASH);
  });

  test('TLS with relative paths taken from the file’s directory, TLS 1.2 to 1.3 by default', () => {
    const s = settings('tls_server_config:\n  cert_file: tls.crt\n  key_file: /abs/tls.key\n');
    assert.deepEqual(s.tls, {
      cert: { file: '/etc/mpe/tls.crt' },
      key: { file: '/abs/tls.key' },
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
  });

  test('inline PEM, the file form winning when both are given, as in the toolkit', () => {
    const s = settings(
      'tls_server_config:\n  cert: "-----BEGIN X"\n  cert_file: c.crt\n  key: "-----BEGIN K"\n  client_ca: "-----BEGIN CA"\n  client_auth_type: RequireAndVerifyClientCert\n',
    );
    assert.deepEqual(s.tls?.cert, { file: '/etc/mpe/c.crt' });
    assert.deepEqual(s.tls?.key, { inline: '-----BEGIN K' });
    assert.deepEqual(s.tls?.clientCa, { inline: '-----BEGIN CA' });
  });

  test('versions, SANs, headers, ciphers in Go’s order of preference, curves', () => {
    const s = settings(
      [
        'tls_server_config:',
        '  cert_file: a',
        '  key_file: b',
        '  client_ca_file: c',
        '  client_auth_type: VerifyClientCertIfGiven',
        '  min_version: TLS12',
        '  max_version: TLS12',
        '  client_allowed_sans: [prometheus]',
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]',
        '  curve_preferences: [X25519, CurveP256]',
        '  prefer_server_cipher_suites: no',
        'http_server_config:',
        '  http2: false',
        '  headers:',
        '    Strict-Transport-Security: max-age=31536000',
        '    X-XSS-Protection: 1',
      ].join('\n'),
    );
    assert.equal(s.tls?.minVersion, 'TLSv1.2');
    assert.equal(s.tls?.maxVersion, 'TLSv1.2');
    assert.deepEqual(s.tls?.clientAllowedSans, ['prometheus']);
    assert.equal(s.tls?.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA');
    assert.equal(s.tls?.ecdhCurve, 'X25519:P-256');
    assert.equal(s.headers.get('Strict-Transport-Security'), 'max-age=31536000');
    // yaml.v2 puts the scalar's text into a string field: an unquoted 1 is "1".
    assert.equal(s.headers.get('X-XSS-Protection'), '1');
  });

  test('an empty client_allowed_sans is kept: it admits no certificate, as in the toolkit', () => {
    const s = settings(
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: []\n',
    );
    assert.deepEqual(s.tls?.clientAllowedSans, []);
  });

  test('RequireClientCert is RequireAnyClientCert; verifying without a CA uses the default roots', () => {
    assert.equal(
      settings('tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n')
        .tls?.clientAuth,
      'RequireAnyClientCert',
    );
    assert.equal(
      settings(
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyClientCertIfGiven\n',
      ).tls?.clientCa,
      undefined,
    );
  });

  test('rate_limit in Go durations; none when the interval is 0 or negative', () => {
    assert.deepEqual(settings('rate_limit:\n  interval: 1m30s\n  burst: 5\n').rateLimit, {
      intervalMs: 90_000,
      burst: 5,
    });
    assert.deepEqual(settings('rate_limit:\n  interval: 1s\n').rateLimit, { intervalMs: 1000, burst: 0 });
    assert.equal(settings('rate_limit:\n  interval: 0\n  burst: 0\n').rateLimit, undefined);
    assert.equal(settings('rate_limit:\n  interval: -1s\n').rateLimit, undefined);
  });

  test('TLS keys without a certificate, key, CA or client_auth_type are plain HTTP, as in the toolkit', () => {
    assert.equal(
      settings('tls_server_config:\n  min_version: TLS12\n  client_allowed_sans: [a]\n').tls,
      undefined,
    );
  });

  test('only the first YAML document is read, as yaml.v2 does', () => {
    assert.equal(settings('rate_limit:\n  interval: 1s\n---\nnonsense: 1\n').rateLimit?.intervalMs, 1000);
  });
});

// One test per bad configuration, each naming the key at fault.
describe('bad web configurations', () => {
  const cases: [string, string, RegExp][] = [
    ['not YAML', 'basic_auth_users: [unclosed', /not valid YAML/],
    ['a list at the top', '- a\n- b\n', /mapping at the top level/],
    ['a duplicate key', 'basic_auth_users: {}\nbasic_auth_users: {}\n', /not valid YAML/],
    ['an unknown top-level key', 'tls_config:\n  cert_file: a\n', /tls_config: unknown key/],
    [
      'an unknown TLS key',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n',
      /tls_server_config\.certfile: unknown key/,
    ],
    [
      'an unknown cipher',
      'tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]\n',
      /unknown cipher: TLS_RSA_WITH_AES_128_GCM_SHA256/,
    ],
    ['an unknown curve', 'tls_server_config:\n  curve_preferences: [P256]\n', /unknown curve: P256/],
    [
      'ciphers without one HTTP/2 needs, with http2 on',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n',
      /HTTP\/2 server requires it/,
    ],
    ['http2 not a boolean', 'http_server_config:\n  http2: maybe\n', /http2: expected true or false/],
    [
      'a rate_limit interval Go cannot read',
      'rate_limit:\n  interval: 1d\n',
      /rate_limit\.interval: "1d" is not a duration/,
    ],
    [
      'a rate_limit burst that is not a number',
      'rate_limit:\n  interval: 1s\n  burst: many\n',
      /rate_limit\.burst: expected a whole number/,
    ],
    ['an unknown rate_limit key', 'rate_limit:\n  every: 1s\n', /rate_limit\.every: unknown key/],
    ['a plain password', 'basic_auth_users:\n  prometheus: secret\n', /hashedSecret too short/],
    [
      'a bcrypt cost below 4',
      `basic_auth_users:\n  p: '${HASH.replace('$10$', '$03$')}'\n`,
      /cost 3 is outside allowed inclusive range 4\.\.31/,
    ],
    ['a user name with a colon', `basic_auth_users:\n  "a:b": '${HASH}'\n`, /is not a user name/],
    ['users as a list', 'basic_auth_users:\n  - prometheus\n', /basic_auth_users: expected a mapping/],
    ['a certificate without key', 'tls_server_config:\n  cert_file: a\n', /missing one of key or key_file/],
    ['a key without certificate', 'tls_server_config:\n  key_file: b\n', /missing one of cert or cert_file/],
    [
      'an empty certificate path',
      'tls_server_config:\n  cert_file: ""\n  key_file: b\n',
      /missing one of cert or cert_file/,
    ],
    ['a client CA alone', 'tls_server_config:\n  client_ca_file: c\n', /missing one of cert or cert_file/],
    [
      'an unknown client_auth_type',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n',
      /invalid ClientAuth: Always/,
    ],
    [
      'an unknown TLS version',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS1.2\n',
      /unknown TLS version: TLS1\.2/,
    ],
    [
      'min above max',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n',
      /min_version is above max_version/,
    ],
    [
      'a file path that is a list',
      'tls_server_config:\n  cert_file: [a]\n  key_file: b\n',
      /cert_file: expected a single value/,
    ],
    [
      'an unknown header',
      'http_server_config:\n  headers:\n    X-Powered-By: me\n',
      /HTTP header "X-Powered-By" can not be configured/,
    ],
    [
      'a header name in another case',
      'http_server_config:\n  headers:\n    x-frame-options: deny\n',
      /HTTP header "x-frame-options" can not be configured/,
    ],
    [
      'an X-Frame-Options value Go refuses',
      'http_server_config:\n  headers:\n    X-Frame-Options: DENY\n',
      /invalid value for X-Frame-Options/,
    ],
    [
      'an X-Content-Type-Options value Go refuses',
      'http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n',
      /invalid value for X-Content-Type-Options/,
    ],
    [
      'a header with a line break',
      'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nX-Evil: 1"\n',
      /cannot span lines/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      const found = problems(text);
      assert.ok(
        found.some((p) => expected.test(p)),
        `expected a problem matching ${expected}, got: ${found.join(' | ')}`,
      );
    });
  }
});

describe('YAML that yaml.v2 refuses or reads its own way', () => {
  test('an anchor that contains itself, an unknown anchor or a key that is a list is refused, not a crash', () => {
    assert.match(problems('a: &x [*x]\n').join(), /contains itself/);
    assert.match(problems('a: *nowhere\n').join(), /not valid YAML/);
    assert.match(problems('? [tls_server_config]\n: {}\n').join(), /not a single value/);
  });

  test('an alias bomb is refused after a bounded number of expansions', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    assert.match(problems(`${lines.join('\n')}\n`).join(), /more than 100 aliases/);
  });

  test('merge keys are expanded as yaml.v2 does, the mapping’s own keys first; a __proto__ key is an unknown key like any other', () => {
    const s = settings(
      'http_server_config:\n  headers: &h\n    X-Frame-Options: deny\n    X-XSS-Protection: "1"\n' +
        'rate_limit:\n  <<: {interval: 1s, burst: 3}\n  burst: 5\n',
    );
    assert.deepEqual(s.rateLimit, { intervalMs: 1000, burst: 5 });
    assert.match(problems('__proto__:\n  polluted: 1\n').join(), /__proto__: unknown key/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
