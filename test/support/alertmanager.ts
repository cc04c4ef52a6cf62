import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, stopChild } from './prometheus.ts';

const SHIPPED = new URL('../../deploy/alertmanager/meridio-path-exporter.yml', import.meta.url).pathname;

/** One webhook notification as Alertmanager sends it (the fields the tests read). */
export interface Notification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[];
  receivedAt: number;
}

/**
 * The timing of the shipped route, shortened as the fault suites shorten the rules' `for:`: a group
 * waits 10 s for the rest of its fault (the shipped 30 s, against `for:` of minutes), and a change in it
 * is sent after 5 s.
 */
export const TEST_ROUTE_TIMING = { group_wait: '10s', group_interval: '5s', repeat_interval: '1h' };

/**
 * A real Alertmanager (built by scripts/test-cluster-parts.sh) on loopback with the shipped route and
 * inhibit rules under a root route whose receiver is a webhook in this process.
 */
export class TestAlertmanager {
  constructor(private readonly bin: string) {}

  private child?: ChildProcess;
  private dir?: string;
  private webhook?: Server;
  readonly notifications: Notification[] = [];
  url = '';
  log = '';

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'mpe-am-'));
    this.webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          this.notifications.push({ ...(JSON.parse(body) as Notification), receivedAt: Date.now() });
        } catch {
          // Not Alertmanager's: the notifications list stays as it was.
        }
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.webhook?.listen(0, '127.0.0.1', resolve));
    const address = this.webhook.address();
    const hookPort = typeof address === 'object' && address ? address.port : 0;
    const shipped = parse(readFileSync(SHIPPED, 'utf8')) as { route: object; inhibit_rules: unknown[] };
    writeFileSync(
      join(this.dir, 'alertmanager.yml'),
      stringify({
        route: {
          receiver: 'test',
          group_by: ['...'],
          routes: [{ ...shipped.route, ...TEST_ROUTE_TIMING }],
        },
        receivers: [
          {
            name: 'test',
            webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/`, send_resolved: true }],
          },
        ],
        inhibit_rules: shipped.inhibit_rules,
      }),
    );
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(
      this.bin,
      [
        `--config.file=${join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // One instance: no gossip port opened.
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (d) => (this.log += d));
    this.child.stderr?.on('data', (d) => (this.log += d));
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Alertmanager did not become ready\n${this.log.slice(-2000)}`);
  }

  /**
   * Waits until Alertmanager holds no alert group: the next fault then starts a new group (waiting
   * group_wait for the rest of its alerts) instead of joining the last one's, which flushes at once.
   */
  async idle(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const groups = (await (await fetch(`${this.url}/api/v2/alerts/groups`)).json()) as unknown[];
      if (groups.length === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`Alertmanager still holds alert groups after ${timeoutMs} ms`);
  }

  /** The notifications received at or after `since` (ms since the epoch). */
  since(since: number): Notification[] {
    return this.notifications.filter((n) => n.receivedAt >= since);
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    await new Promise((r) => (this.webhook ? this.webhook.close(r) : r(undefined)));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
