// The floor for the serving benchmark: a bare node:http server answering every request with the same
// bytes the exporter served (gzipped at the same level when asked). Whatever p99 this shows on the
// machine, the exporter cannot beat; the difference is the exporter's own cost.
// Run with plain Node 24 (type stripping): node bench/static-server.ts BODY_FILE PORT
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: static-server.ts BODY_FILE PORT');
const text = readFileSync(file);
const gzipped = gzipSync(text, { level: 6 });
const contentType = 'text/plain; version=0.0.4; charset=utf-8';

createServer((req, res) => {
  // The stall floor probes this: a few bytes, so its latency is how long the event loop was held.
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? gzipped : text;
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': body.length,
    vary: 'accept-encoding',
    ...(gzip && { 'content-encoding': 'gzip' }),
  });
  res.end(body);
}).listen(Number(port), '127.0.0.1');
