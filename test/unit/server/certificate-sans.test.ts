import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateSans } from '../../../src/server/web-config/web-security.ts';

test("a certificate's SANs from Node's subjectaltname, as Go compares them", () => {
  assert.deepEqual(
    certificateSans('DNS:prometheus, IP Address:127.0.0.1, email:a@b.example, URI:spiffe://x/y'),
    ['prometheus', '127.0.0.1', 'a@b.example', 'spiffe://x/y'],
  );
  // Node quotes a value holding a comma: one SAN, not a smuggled second one.
  assert.deepEqual(certificateSans('DNS:"x, DNS:allowed.example, y", DNS:real'), [
    'x, DNS:allowed.example, y',
    'real',
  ]);
  // IPv6 compressed, and IPv4-mapped written as IPv4, as Go's net.IP.String does.
  assert.deepEqual(certificateSans('IP Address:0:0:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:102:304'), [
    '::1',
    '1.2.3.4',
  ]);
  assert.deepEqual(certificateSans(undefined), []);
  assert.deepEqual(certificateSans('othername:<unsupported>, DNS:a'), ['a']);
});
