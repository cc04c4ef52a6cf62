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

  test('TLS with relative paths taken from the file’s directory, TLS 1.2 by default', () => {
    const s = settings('tls_server_config:\n  cert_file: tls.crt\n  key_file: /abs/tls.key\n');
    assert.deepEqual(s.tls, {
      certFile: '/etc/mpe/tls.crt',
      keyFile: '/abs/tls.key',
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.2',
      clientAllowedSans: [],
    });
  });

  test('a client CA alone means RequireAndVerifyClientCert', () => {
    const s = settings('tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca.crt\n');
    assert.equal(s.tls?.clientAuth, 'RequireAndVerifyClientCert');
    assert.equal(s.tls?.clientCaFile, '/etc/mpe/ca.crt');
  });

  test('versions, SANs and headers', () => {
    const s = settings(
      [
        'tls_server_config:',
        '  cert_file: a',
        '  key_file: b',
        '  client_ca_file: c',
        '  client_auth_type: VerifyClientCertIfGiven',
        '  min_version: TLS13',
        '  max_version: TLS13',
        '  client_allowed_sans: [prometheus]',
        'http_server_config:',
        '  headers:',
        '    strict-transport-security: max-age=31536000',
      ].join('\n'),
    );
    assert.equal(s.tls?.minVersion, 'TLSv1.3');
    assert.equal(s.tls?.maxVersion, 'TLSv1.3');
    assert.deepEqual(s.tls?.clientAllowedSans, ['prometheus']);
    assert.equal(s.headers.get('Strict-Transport-Security'), 'max-age=31536000');
  });

  test('a tls_server_config without certificate and key is plain HTTP, as in the toolkit', () => {
    assert.equal(settings('tls_server_config:\n  min_version: TLS12\n').tls, undefined);
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
      'cipher_suites',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n',
      /cipher_suites: not supported/,
    ],
    [
      'inline cert',
      'tls_server_config:\n  cert: "-----BEGIN"\n  key_file: b\n',
      /tls_server_config\.cert: not supported/,
    ],
    ['http2', 'http_server_config:\n  http2: true\n', /http2: not supported/],
    [
      'a plain password',
      'basic_auth_users:\n  prometheus: secret\n',
      /basic_auth_users\.prometheus: expected a bcrypt hash/,
    ],
    ['a user name with a colon', `basic_auth_users:\n  "a:b": '${HASH}'\n`, /is not a user name/],
    ['users as a list', 'basic_auth_users:\n  - prometheus\n', /basic_auth_users: expected a mapping/],
    [
      'a certificate without key',
      'tls_server_config:\n  cert_file: a\n',
      /key_file: required with cert_file/,
    ],
    ['a key without certificate', 'tls_server_config:\n  key_file: b\n', /cert_file: required with key_file/],
    [
      'client settings without a certificate',
      'tls_server_config:\n  client_ca_file: c\n',
      /cert_file and key_file are required/,
    ],
    [
      'an unknown client_auth_type',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n',
      /client_auth_type: "Always" is not one of/,
    ],
    [
      'verification without a CA',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n',
      /client_ca_file: required with client_auth_type RequireAndVerifyClientCert/,
    ],
    [
      'a CA that is never used',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n  client_auth_type: RequestClientCert\n',
      /never verifies client certificates/,
    ],
    [
      'an unknown TLS version',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS1.2\n',
      /min_version: "TLS1.2" is not one of TLS10, TLS11, TLS12, TLS13/,
    ],
    [
      'min above max',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n',
      /min_version is above max_version/,
    ],
    [
      'SANs without verification',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [prometheus]\n',
      /client_allowed_sans: needs a verified client certificate/,
    ],
    [
      'a file path that is not a string',
      'tls_server_config:\n  cert_file: 12\n  key_file: b\n',
      /cert_file: expected a string/,
    ],
    [
      'an unknown header',
      'http_server_config:\n  headers:\n    X-Powered-By: me\n',
      /headers\.X-Powered-By: not one of/,
    ],
    [
      'a header with a line break',
      'http_server_config:\n  headers:\n    X-Frame-Options: "deny\\r\\nX-Evil: 1"\n',
      /expected a one-line value/,
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
