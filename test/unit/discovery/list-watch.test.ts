import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureReason } from '../../../src/discovery/list-watch.ts';

describe('why a list or watch of the Kubernetes API failed', () => {
  it('names the HTTP answers an operator acts on: RBAC, token, missing kind, others', () => {
    // client-node's ApiException carries the status as `code`; watch errors as `statusCode`.
    assert.equal(failureReason({ code: 403, message: 'HTTP-Code: 403 Message: Forbidden' }), 'forbidden');
    assert.equal(failureReason({ statusCode: 401 }), 'unauthorized');
    assert.equal(failureReason({ code: 404 }), 'not_found');
    assert.equal(failureReason({ statusCode: 500 }), 'http');
  });

  it('tells no answer in time from no connection', () => {
    assert.equal(
      failureReason(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      'timeout',
    );
    assert.equal(failureReason(new Error('no answer from the API server within 10000 ms')), 'timeout');
    const slow = Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_CONNECT_TIMEOUT' } });
    assert.equal(failureReason(slow), 'timeout');
    assert.equal(failureReason(Object.assign(new Error('connect'), { code: 'ETIMEDOUT' })), 'timeout');
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    assert.equal(failureReason(refused), 'connect');
    assert.equal(failureReason(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' })), 'connect');
  });

  it('calls anything else other, never throws on odd values', () => {
    for (const odd of [undefined, null, 'text', 42, {}, new Error('boom'), { code: 'E_WHATEVER' }]) {
      assert.equal(failureReason(odd), 'other');
    }
  });
});
