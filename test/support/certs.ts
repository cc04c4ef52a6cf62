import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools.ts';

/** Files of one certificate authority's key pairs, made by openssl in a temporary directory. */
export interface TestPki {
  dir: string;
  caCert: string;
  /** For 127.0.0.1, ::1 and localhost. */
  serverCert: string;
  serverKey: string;
  /** Another server pair from the same CA, to rotate to. */
  serverCert2: string;
  serverKey2: string;
  /** Signed by the CA, SAN DNS:prometheus. */
  clientCert: string;
  clientKey: string;
  /** Signed by an unrelated CA. */
  strangerCert: string;
  strangerKey: string;
  /** An RSA server pair from the CA: the ECDHE_RSA cipher suites need one. */
  serverRsaCert: string;
  serverRsaKey: string;
  /** Self-signed client certificates that are their own CA (as the exporter toolkit's tests use): CN=test, no SAN. */
  selfSignedClientCert: string;
  selfSignedClientKey: string;
  /** … CN=test3, SAN DNS:test3. */
  selfSignedClient2Cert: string;
  selfSignedClient2Key: string;
  remove(): void;
}

/** EC P-256 keys: fast to make, and what cert-manager issues by default for many setups. */
export function makeTestPki(): TestPki {
  const openssl = requireTool('openssl');
  const dir = mkdtempSync(join(tmpdir(), 'mpe-pki-'));
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const f = (name: string) => join(dir, name);
  const key = (name: string) => run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(name));
  const selfSigned = (name: string, cn: string, extensions: string[] = []) => {
    key(`${name}.key`);
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      f(`${name}.key`),
      '-subj',
      `/CN=${cn}`,
      '-days',
      '2',
      ...extensions.flatMap((e) => ['-addext', e]),
      '-out',
      f(`${name}.crt`),
    );
  };
  const signed = (name: string, ca: string, cn: string, san: string, usage: string, makeKey = key) => {
    makeKey(`${name}.key`);
    run('req', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${ca}.crt`),
      '-CAkey',
      f(`${ca}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.crt`),
    );
  };
  /** Self-signed client certificates that are their own CA, as the exporter toolkit's tests use. */
  const selfSignedClient = (name: string, cn: string, san?: string) =>
    selfSigned(name, cn, [
      'basicConstraints=critical,CA:TRUE',
      'extendedKeyUsage=clientAuth',
      ...(san ? [`subjectAltName=${san}`] : []),
    ]);
  const rsaKey = (name: string) =>
    run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f(name));
  selfSigned('ca', 'mpe test CA');
  selfSigned('stranger-ca', 'unrelated CA');
  signed('server', 'ca', 'localhost', 'IP:127.0.0.1,IP:::1,DNS:localhost', 'serverAuth');
  signed('server2', 'ca', 'localhost', 'IP:127.0.0.1,IP:::1,DNS:localhost', 'serverAuth');
  signed('client', 'ca', 'prometheus', 'DNS:prometheus', 'clientAuth');
  signed('stranger', 'stranger-ca', 'prometheus', 'DNS:prometheus', 'clientAuth');
  signed('server-rsa', 'ca', 'localhost', 'IP:127.0.0.1,IP:::1,DNS:localhost', 'serverAuth', rsaKey);
  selfSignedClient('client-self', 'test');
  selfSignedClient('client-self2', 'test3', 'DNS:test3');
  return {
    dir,
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    serverCert2: f('server2.crt'),
    serverKey2: f('server2.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    strangerCert: f('stranger.crt'),
    strangerKey: f('stranger.key'),
    serverRsaCert: f('server-rsa.crt'),
    serverRsaKey: f('server-rsa.key'),
    selfSignedClientCert: f('client-self.crt'),
    selfSignedClientKey: f('client-self.key'),
    selfSignedClient2Cert: f('client-self2.crt'),
    selfSignedClient2Key: f('client-self2.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
