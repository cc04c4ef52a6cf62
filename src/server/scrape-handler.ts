import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const NOT_READY = Buffer.from('no collection cycle has completed yet\n');

/** True for a GET or HEAD of the telemetry path (a query string is ignored). */
export function isScrape(req: IncomingMessage, telemetryPath: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url ?? '';
  const end = url.indexOf('?');
  return (end === -1 ? url : url.slice(0, end)) === telemetryPath;
}

/**
 * Answers a scrape with the last rendered exposition, straight on node:http: the bytes are rendered
 * and gzipped once per cycle, so a scrape is a header write and one buffer write. Both the HTTP
 * server's fast path and the fastify route (used by `inject()` tests) call this one function.
 */
export function serveExposition(req: IncomingMessage, res: ServerResponse, cache: ExpositionCache): void {
  const current = cache.get();
  if (!current) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': NOT_READY.length });
    res.end(req.method === 'HEAD' ? undefined : NOT_READY);
    return;
  }
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  const body = gzip ? current.gzip : current.text;
  res.writeHead(200, {
    'content-type': CONTENT_TYPE,
    'content-length': body.length,
    vary: 'accept-encoding',
    ...(gzip && { 'content-encoding': 'gzip' }),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.end(body);
}

/** True unless gzip is absent or refused with q=0. */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  // What Prometheus sends, without splitting anything.
  if (header === 'gzip') return true;
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of value.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
