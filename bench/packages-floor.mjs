// The memory floor for the serving benchmark: a process that only starts the runtime packages the
// product's brief chose, the way the exporter starts them (fastify with a pino logger listening on
// loopback, prom-client's default process metrics, a node-cron schedule every 15 s), and serves
// prom-client's registry. No parser, no snapshot, no exposition of ours. Whatever RSS this shows, an
// exporter built on these packages cannot go below; the difference is the exporter's own cost.
// With BODY_FILE it serves those bytes instead (gzipped at the same level when asked), so that the
// same load as the exporter's shows what serving them costs these packages.
// Plain JavaScript, not TypeScript: Node's type stripping alone adds ≈ 17 MB RSS, which the compiled
// exporter does not pay. Run: node bench/packages-floor.mjs PORT [BODY_FILE]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import cron from 'node-cron';
import pino from 'pino';
import { Gauge, Registry } from 'prom-client';

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) throw new Error('usage: packages-floor.mjs PORT [BODY_FILE]');
const body = process.argv[3] ? readFileSync(process.argv[3]) : undefined;
const gzipped = body && gzipSync(body, { level: 6 });

// The exporter keeps prom-client for its own few gauges and counters (not its default metrics).
const registry = new Registry();
new Gauge({ name: 'floor_up', help: 'The floor is serving.', registers: [registry] }).set(1);
let ticks = 0;
cron.schedule('0,15,30,45 * * * * *', () => {
  ticks++;
});
const app = Fastify({ loggerInstance: pino({ level: 'error' }) });
app.get('/metrics', async (req, reply) => {
  reply.type(registry.contentType);
  if (!body) return `${await registry.metrics()}# ticks ${ticks}\n`;
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    reply.header('content-encoding', 'gzip');
    return gzipped;
  }
  return body;
});
await app.listen({ host: '127.0.0.1', port });
