import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { BasicAuth } from '../../../src/server/web-config/basic-auth.ts';

const hash = bcrypt.hashSync('s3cret', 4);
const header = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('no users: every request is let in', async () => {
  assert.equal(await new BasicAuth(new Map()).check(undefined), true);
});

test('the right user and password, and nothing else', async () => {
  const auth = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await auth.check(header('prometheus', 's3cret')), true);
  // Remembered, and still right the second time.
  assert.equal(await auth.check(header('prometheus', 's3cret')), true);
  assert.equal(await auth.check(header('prometheus', 's3cret ')), false);
  assert.equal(await auth.check(header('grafana', 's3cret')), false);
  assert.equal(await auth.check(undefined), false);
  assert.equal(await auth.check('Bearer abc'), false);
  assert.equal(await auth.check('Basic !!!'), false);
  assert.equal(await auth.check(`Basic ${Buffer.from('no-colon').toString('base64')}`), false);
});

test('a password with a colon is split at the first one, as RFC 7617 says', async () => {
  const auth = new BasicAuth(new Map([['u', bcrypt.hashSync('a:b', 4)]]));
  assert.equal(await auth.check(header('u', 'a:b')), true);
});

test('a remembered success does not outlive a changed hash', async () => {
  const first = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await first.check(header('prometheus', 's3cret')), true);
  const second = new BasicAuth(new Map([['prometheus', bcrypt.hashSync('other', 4)]]));
  assert.equal(await second.check(header('prometheus', 's3cret')), false);
});
