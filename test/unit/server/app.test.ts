import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { ExpositionCache } from '../../../src/exposition/exposition-cache.ts';
import { buildApp } from '../../../src/server/app.ts';
import { acceptsGzip } from '../../../src/server/routes/metrics.ts';

const logger = pino({ level: 'silent' });

async function app(ready = true, text?: string) {
  const cache = new ExpositionCache();
  if (text) await cache.publish(text);
  return buildApp({
    cache,
    telemetryPath: '/metrics',
    logger,
    ready: () => ready,
    graph: () => undefined,
    refreshSeconds: 15,
  });
}

describe('HTTP routes', () => {
  it('serves the cached exposition with the 0.0.4 content type', async () => {
    const a = await app(true, 'vpp_x 1\n');
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(res.body, 'vpp_x 1\n');
    await a.close();
  });

  it('serves the precomputed gzip when asked', async () => {
    const a = await app(true, 'vpp_x 1\n');
    const res = await a.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(res.rawPayload).toString(), 'vpp_x 1\n');
    await a.close();
  });

  it('answers 503 before the first cycle, on /metrics and /readyz, while /healthz is ok', async () => {
    const a = await app(false);
    assert.equal((await a.inject({ url: '/metrics' })).statusCode, 503);
    assert.equal((await a.inject({ url: '/readyz' })).statusCode, 503);
    assert.equal((await a.inject({ url: '/healthz' })).statusCode, 200);
    await a.close();
  });

  it('is ready after a cycle, and links the metrics from /', async () => {
    const a = await app(true, 'x 1\n');
    assert.equal((await a.inject({ url: '/readyz' })).statusCode, 200);
    const landing = await a.inject({ url: '/' });
    assert.match(landing.body, /href="\/metrics"/);
    assert.equal((await a.inject({ url: '/nope' })).statusCode, 404);
    await a.close();
  });

  it('negotiates gzip by q-values', () => {
    assert.equal(acceptsGzip('gzip'), true);
    assert.equal(acceptsGzip('br;q=1.0, gzip;q=0.8'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip(undefined), false);
    assert.equal(acceptsGzip('*'), true);
  });
});
