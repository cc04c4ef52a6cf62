import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtTool } from './test-cache.ts';
import { requireTool } from './tools.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The Prometheus versions the rules, dashboards and fault matrices are held to: Debian's 2.42, and
 * Prometheus 3 (what kube-prometheus-stack ships) from the Go module proxy
 * (scripts/test-cluster-parts.sh). Range selectors, `le` and regex matching changed in 3. `current`:
 * the one users run today, the one the fault matrices also feed to Alertmanager.
 */
export const PROMETHEUS_VERSIONS = [
  {
    name: 'Prometheus 2.42 (Debian)',
    prometheus: () => requireTool('prometheus'),
    promtool: () => requireTool('promtool'),
    current: false,
  },
  {
    name: 'Prometheus 3',
    prometheus: () => builtTool('prometheus'),
    promtool: () => builtTool('promtool'),
    current: true,
  },
] as const;

/** SIGTERM, then SIGKILL after 10 s; resolves once `child` exited. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** How often the test Prometheus scrapes and evaluates its rules. */
export const SCRAPE_INTERVAL_S = 1;
export const EVALUATION_INTERVAL_S = 1;

/** A real Prometheus on loopback, scraping the given targets every second, in a temporary directory. */
export class TestPrometheus {
  /** `bin`: a Prometheus other than the PATH's (Debian's 2.42), e.g. `builtTool('prometheus')`. */
  constructor(private readonly bin = requireTool('prometheus')) {}

  private child?: ChildProcess;
  private dir?: string;
  url = '';
  log = '';

  /**
   * `scrapeConfigs`: YAML lines of the scrape_configs list, instead of one job scraping `targets`.
   * `alertmanager`: host:port of an Alertmanager to send the alerts to.
   */
  async start(
    targets: string[],
    jobName = 'meridio-path-exporter',
    ruleFiles: string[] = [],
    scrapeConfigs?: string[],
    alertmanager?: string,
  ): Promise<void> {
    const bin = this.bin;
    this.dir = mkdtempSync(join(tmpdir(), 'mpe-prom-'));
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
        '  scrape_timeout: 900ms',
        `  evaluation_interval: ${EVALUATION_INTERVAL_S}s`,
        ...(ruleFiles.length > 0 ? ['rule_files:', ...ruleFiles.map((f) => `  - '${f}'`)] : []),
        ...(alertmanager
          ? [
              'alerting:',
              '  alertmanagers:',
              '    - static_configs:',
              `        - targets: ['${alertmanager}']`,
            ]
          : []),
        'scrape_configs:',
        ...(scrapeConfigs ?? [
          `  - job_name: ${jobName}`,
          '    honor_labels: true',
          '    static_configs:',
          `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
        ]),
        '',
      ].join('\n'),
    );
    this.child = spawn(
      bin,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (d) => (this.log += d));
    this.child.stderr?.on('data', (d) => (this.log += d));
    await this.waitFor(
      async () => (await fetch(`${this.url}/-/ready`)).ok,
      30_000,
      'Prometheus did not become ready',
    );
  }

  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: [] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result;
  }

  /** Poll until the query returns at least `min` series. */
  async queryUntil(expr: string, min = 1, timeoutMs = 30_000) {
    let last: Awaited<ReturnType<TestPrometheus['query']>> = [];
    await this.waitFor(
      async () => {
        last = await this.query(expr);
        return last.length >= min;
      },
      timeoutMs,
      `no result for ${expr}`,
    );
    return last;
  }

  private async waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      try {
        if (await check()) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${message}\n${this.log.slice(-2000)}`);
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
