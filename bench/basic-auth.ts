// `npm run bench -- auth`: what a password-guessing flood does to the agent. The compiled exporter on
// its demo with basic auth (a cost-10 bcrypt hash, as `htpasswd -B` writes) is probed for 20 s without
// and 20 s with wrong passwords arriving at 100 requests/s, each one new: /healthz (the kubelet's
// liveness probe) and an authorised scrape of /metrics (Prometheus), 10 each per second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort } from '../test/support/prometheus.ts';
import { startCompiledExporter } from './compiled-exporter.ts';

const PHASE_MS = 20_000;
const GOOD = `Basic ${Buffer.from('prometheus:right-password').toString('base64')}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed(url: string, authorization?: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    headers: authorization ? { authorization } : {},
    signal: AbortSignal.timeout(30_000),
  }).catch(() => undefined);
  await res?.arrayBuffer();
  return { ms: performance.now() - t0, status: res?.status ?? 0 };
}

/** Probes for one phase; with `attack`, wrong passwords at 100/s meanwhile. */
async function phase(base: string, attack: boolean) {
  const healthz: number[] = [];
  const scrape: number[] = [];
  const attackStatus = new Map<number, number>();
  const pending: Promise<unknown>[] = [];
  const end = Date.now() + PHASE_MS;
  let n = 0;
  const attacker = attack
    ? setInterval(() => {
        const wrong = `Basic ${Buffer.from(`prometheus:guess-${n++}`).toString('base64')}`;
        pending.push(
          timed(`${base}/metrics`, wrong).then((r) =>
            attackStatus.set(r.status, (attackStatus.get(r.status) ?? 0) + 1),
          ),
        );
      }, 10)
    : undefined;
  while (Date.now() < end) {
    pending.push(timed(`${base}/healthz`).then((r) => healthz.push(r.ms)));
    pending.push(
      timed(`${base}/metrics`, GOOD).then((r) => (r.status === 200 ? scrape.push(r.ms) : undefined)),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(attacker);
  await Promise.all(pending);
  healthz.sort((a, b) => a - b);
  scrape.sort((a, b) => a - b);
  return { healthz, scrape, attackStatus };
}

export async function basicAuthUnderAttack(): Promise<void> {
  console.log('\n## Basic auth under a password-guessing flood (compiled exporter, demo, ms)\n');
  const dir = mkdtempSync(join(tmpdir(), 'mpe-bench-auth-'));
  const config = join(dir, 'web.yml');
  writeFileSync(config, `basic_auth_users:\n  prometheus: '${bcrypt.hashSync('right-password', 10)}'\n`);
  const port = await freePort();
  const child = startCompiledExporter([
    '--demo=worker-a',
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.config.file=${config}`,
  ]);
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 100; i++) {
      if ((await timed(`${base}/healthz`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await timed(`${base}/metrics`, GOOD);
    console.log(
      '| wrong passwords | /healthz p50 | /healthz p99 | authorised scrape p50 | scrape p99 | scrapes | answers to the flood |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const attack of [false, true]) {
      const r = await phase(base, attack);
      const flood = [...r.attackStatus].map(([s, c]) => `${c} × ${s || 'no answer'}`).join(', ');
      console.log(
        `| ${attack ? '100/s, each new' : 'none'} | ${percentile(r.healthz, 50).toFixed(1)} | ${percentile(r.healthz, 99).toFixed(1)} | ${percentile(r.scrape, 50).toFixed(1)} | ${percentile(r.scrape, 99).toFixed(1)} | ${r.scrape.length} | ${flood || '—'} |`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
