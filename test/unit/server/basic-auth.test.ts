import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import {
  BasicAuth,
  bcryptComparisons,
  MAX_PENDING_CHECKS,
} from '../../../src/server/web-config/basic-auth.ts';

const hash = bcrypt.hashSync('s3cret', 4);
const header = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('no users: every request is let in', async () => {
  assert.equal(await new BasicAuth(new Map()).check(undefined), 'ok');
});

test('the right user and password, and nothing else', async () => {
  const auth = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await auth.check(header('prometheus', 's3cret')), 'ok');
  // Remembered, and still right the second time.
  assert.equal(await auth.check(header('prometheus', 's3cret')), 'ok');
  assert.equal(await auth.check(header('prometheus', 's3cret ')), 'denied');
  assert.equal(await auth.check(header('grafana', 's3cret')), 'denied');
  assert.equal(await auth.check(undefined), 'denied');
  assert.equal(await auth.check('Bearer abc'), 'denied');
  assert.equal(await auth.check('Basic !!!'), 'denied');
  assert.equal(await auth.check(`Basic ${Buffer.from('no-colon').toString('base64')}`), 'denied');
});

test('a password with a colon is split at the first one, as RFC 7617 says', async () => {
  const auth = new BasicAuth(new Map([['u', bcrypt.hashSync('a:b', 4)]]));
  assert.equal(await auth.check(header('u', 'a:b')), 'ok');
});

test('a remembered success does not outlive a changed hash', async () => {
  const first = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await first.check(header('prometheus', 's3cret')), 'ok');
  const second = new BasicAuth(new Map([['prometheus', bcrypt.hashSync('other', 4)]]));
  assert.equal(await second.check(header('prometheus', 's3cret')), 'denied');
});

test('a wrong password is remembered too: trying it again costs no bcrypt', async () => {
  const auth = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await auth.check(header('prometheus', 'guess-1')), 'denied');
  const before = bcryptComparisons();
  assert.equal(await auth.check(header('prometheus', 'guess-1')), 'denied');
  assert.equal(await auth.check(header('nobody', 'guess-1')), 'denied');
  assert.equal(bcryptComparisons(), before + 1, 'only the unknown user cost a comparison');
  assert.equal(await auth.check(header('nobody', 'guess-1')), 'denied');
  assert.equal(bcryptComparisons(), before + 1);
});

test('a flood of new wrong passwords is refused as busy beyond the queue, and a known scraper still gets in at once', async () => {
  const slow = bcrypt.hashSync('s3cret', 10);
  const auth = new BasicAuth(new Map([['prometheus', slow]]));
  assert.equal(await auth.check(header('prometheus', 's3cret')), 'ok');
  const flood = Array.from({ length: MAX_PENDING_CHECKS + 8 }, (_, i) =>
    auth.check(header('prometheus', `wrong-${i}`)),
  );
  // While the flood waits for bcrypt, the remembered scraper needs none.
  assert.equal(await auth.check(header('prometheus', 's3cret')), 'ok');
  const results = await Promise.all(flood);
  assert.equal(results.filter((r) => r === 'busy').length, 8);
  assert.equal(results.filter((r) => r === 'denied').length, MAX_PENDING_CHECKS);
});

test('a check that outlives its timeout is denied, not remembered, and the next one works', async () => {
  // Cost 20: minutes of bcrypt, as a careless htpasswd -C could write.
  const costly = '$2b$20$ztqtyNkQIj5rvBj64GmVouJvITlYg7JZ2AKixxgSduabrkdggafVK';
  const stuck = new BasicAuth(new Map([['prometheus', costly]]), 300);
  assert.equal(await stuck.check(header('prometheus', 'anything')), 'denied');
  const auth = new BasicAuth(new Map([['prometheus', hash]]));
  assert.equal(await auth.check(header('prometheus', 's3cret')), 'ok');
});
