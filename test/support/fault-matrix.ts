import assert from 'node:assert/strict';
import type { TestPrometheus } from './prometheus.ts';

type Alert = { alertname: string; [label: string]: string };

/**
 * Runs faults against a real Prometheus evaluating the shipped rules: each must fire exactly its
 * alerts, keep them (none resolves or appears) while it lasts, and clear after the repair. Collects the
 * matrix the suites print: fault → alerts → seconds to fire → seconds to clear.
 */
export class FaultMatrix {
  readonly rows: string[] = [];

  /**
   * `explain`: what the test can say about the state when an expectation fails (e.g. the path's red
   * links). `exporterUrl`: where the page and `/api/v1/path` are, to check that each link alert's type
   * is red on both while its fault lasts.
   */
  constructor(
    private readonly prometheus: TestPrometheus,
    private readonly explain: () => Promise<string> = async () => '',
    private readonly exporterUrl?: () => string,
  ) {}

  /** Every link type alerted as down is a down link in /api/v1/path and a red link on the page. */
  private async assertShownRed(want: readonly string[]): Promise<void> {
    const url = this.exporterUrl?.();
    if (!url) return;
    const types = [...new Set(want.flatMap((w) => /^MeridioPathLinkDown\{type=(.+)\}$/.exec(w)?.[1] ?? []))];
    if (types.length === 0) return;
    const graph = (await (await fetch(`${url}/api/v1/path`)).json()) as {
      links: { type: string; health: { status: string } }[];
    };
    // The diagram the page at / shows (and refreshes from).
    const page = await (await fetch(`${url}/path.svg`)).text();
    for (const type of types) {
      assert.ok(
        graph.links.some((l) => l.type === type && l.health.status === 'down'),
        `/api/v1/path has a down ${type} link`,
      );
      assert.match(
        page,
        new RegExp(`<g class="link down[^"]*" data-link-id="[^"]*" data-type="${type}"`),
        `the page draws a red ${type} link`,
      );
    }
  }

  /** Firing alerts as `Name`, `Name{type=…}` (link alerts), `Name{interface=…}` (VPP interface alerts) or `Name{table=…}`, sorted. */
  async firing(): Promise<string[]> {
    return (await this.prometheus.query('ALERTS{alertstate="firing"}'))
      .map((r) => {
        const m = r.metric as Alert;
        if (m.alertname === 'MeridioPathLinkDown') return `${m.alertname}{type=${m.type}}`;
        // One alert per VPP interface: which interface is part of what the fault must raise.
        if (m.alertname === 'MeridioPathInterfaceDrops' || m.alertname === 'MeridioPathXconnectInterfaceDown')
          return `${m.alertname}{interface=${m.interface}}`;
        return m.table ? `${m.alertname}{table=${m.table}}` : m.alertname;
      })
      .sort();
  }

  /** Seconds until exactly `want` fires. */
  async until(want: readonly string[], ms = 45_000): Promise<number> {
    const t0 = Date.now();
    let last: string[] = [];
    while (Date.now() - t0 < ms) {
      last = await this.firing();
      if (JSON.stringify(last) === JSON.stringify([...want].sort())) return (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 500));
    }
    return assert.fail(
      `expected firing ${JSON.stringify(want)}, got ${JSON.stringify(last)}${await this.explain()}`,
    );
  }

  /** Exactly `want` fires for all of `ms`. */
  async steady(want: readonly string[], ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      assert.deepEqual(
        await this.firing(),
        [...want].sort(),
        'no alert resolves or appears while the fault lasts',
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async fault(
    name: string,
    inject: () => unknown,
    repair: () => unknown,
    want: readonly string[],
    during?: () => Promise<void>,
    /** How long the alerts may take to clear (a rate over 5 minutes keeps seeing the fault that long). */
    clearWithinMs = 45_000,
  ): Promise<void> {
    await inject();
    let fire: number;
    try {
      fire = await this.until(want);
      await this.steady(want);
      await this.assertShownRed(want);
      await during?.();
    } catch (err) {
      // Repaired anyway, so that the next fault starts from a healthy path.
      await repair();
      await this.until([], clearWithinMs).catch(() => {});
      throw err;
    }
    await repair();
    const clear = await this.until([], clearWithinMs);
    this.rows.push(`| ${name} | ${want.join(', ') || '—'} | ${fire.toFixed(0)} s | ${clear.toFixed(0)} s |`);
  }

  table(): string {
    return ['| fault | alerts | to fire | to clear |', '|---|---|---|---|', ...this.rows].join('\n');
  }
}
