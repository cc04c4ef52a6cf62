import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { ExpositionCache } from '../../../src/exposition/exposition-cache.ts';
import { buildApp } from '../../../src/server/app.ts';
import { acceptsGzip } from '../../../src/server/scrape-handler.ts';

const logger = pino({ level: 'silent' });

async function app(ready = true, text?: string, cache = new ExpositionCache(), telemetryPath = '/metrics') {
  if (text) await cache.publish(text);
  return buildApp({
    cache,
    telemetryPath,
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

/** One request over a real socket, the body as raw bytes (no decompression). */
function get(
  url: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('scrapes over a real socket (served before fastify routing)', () => {
  it('serves GET and HEAD of the telemetry path, gzip on request, the newest cycle each time', async () => {
    const cache = new ExpositionCache();
    const a = await app(true, undefined, cache, '/custom-metrics');
    const base = await a.listen({ host: '127.0.0.1', port: 0 });
    try {
      const early = await get(`${base}/custom-metrics`);
      assert.equal(early.status, 503);
      assert.match(early.body.toString(), /no collection cycle/);

      await cache.publish('vpp_x 1\n');
      const plain = await get(`${base}/custom-metrics?ignored=1`);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(plain.body.toString(), 'vpp_x 1\n');

      const head = await get(`${base}/custom-metrics`, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '8');
      assert.equal(head.body.length, 0);

      await cache.publish('vpp_x 2\n');
      const zipped = await get(`${base}/custom-metrics`, 'GET', { 'accept-encoding': 'gzip' });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(zipped.headers.vary, 'accept-encoding');
      assert.equal(gunzipSync(zipped.body).toString(), 'vpp_x 2\n');
    } finally {
      await a.close();
    }
  });

  it('leaves every other request to fastify', async () => {
    const a = await app(true, 'x 1\n', new ExpositionCache(), '/custom-metrics');
    const base = await a.listen({ host: '127.0.0.1', port: 0 });
    try {
      assert.equal((await get(`${base}/healthz`)).status, 200);
      assert.equal((await get(`${base}/metrics`)).status, 404);
      assert.equal((await get(`${base}/custom-metrics`, 'POST')).status, 404);
      assert.equal((await get(`${base}/custom-metrics/extra`)).status, 404);
      assert.match((await get(`${base}/`)).body.toString(), /href="\/custom-metrics"/);
    } finally {
      await a.close();
    }
  });

  it('answers CONNECT with 405 instead of dropping the connection', async () => {
    const a = await app(true, 'x 1\n');
    const base = new URL(await a.listen({ host: '127.0.0.1', port: 0 }));
    try {
      const socket = connect(Number(base.port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write('CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
      let answer = '';
      socket.on('data', (d) => {
        answer += d;
      });
      await once(socket, 'close');
      assert.match(answer, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    } finally {
      await a.close();
    }
  });
});
