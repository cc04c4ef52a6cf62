import assert from 'node:assert/strict';
import { EVALUATION_INTERVAL_S, SCRAPE_INTERVAL_S, type TestPrometheus } from './prometheus.ts';

type Alert = { alertname: string; [label: string]: string };

/**
 * Runs faults against a real Prometheus evaluating the shipped rules: each must fire exactly its
 * alerts, keep them (none resolves or appears) while it lasts, and clear after the repair. Collects the
 * matrix the suites print: fault → alerts → seconds to fire → seconds to clear.
 */
/** The clocks between a fault and its alert: the exporter's cycle, Prometheus' intervals, the rules' `for:`. */
export interface AlertTiming {
  cycleS: number;
  scrapeS: number;
  evaluationS: number;
  forS: number;
}

/** The `for:` every rule gets in the fault suites: the shipped file with only that changed. */
export const TEST_FOR_S = 3;

export function withShortFor(rules: string): string {
  return rules.replace(/^(\s+for:) \S+$/gm, `$1 ${TEST_FOR_S}s`);
}

/** The timing of the fault suites: the exporter's `--collect.interval` and the test Prometheus. */
export function testTiming(cycleS: number): AlertTiming {
  return { cycleS, scrapeS: SCRAPE_INTERVAL_S, evaluationS: EVALUATION_INTERVAL_S, forS: TEST_FOR_S };
}

/** Something a fault needs before the exporter can see it (e.g. the kernel's own probes), and why. */
export interface SlowerFault {
  seconds: number;
  why: string;
}

export interface FaultOptions {
  /** Checks while the fault lasts and its alerts fire. */
  during?: () => Promise<void>;
  /** How long the alerts may take to clear (a rate over 5 minutes keeps seeing the fault that long). */
  clearWithinMs?: number;
  slower?: SlowerFault;
}

/**
 * What the test polls on top: one query every 0.5 s, and the query's own time on a loaded machine.
 */
const POLL_SLACK_S = 2;

export class FaultMatrix {
  readonly rows: string[] = [];

  /**
   * `explain`: what the test can say about the state when an expectation fails (e.g. the path's red
   * links). `exporterUrl`: where the page and `/api/v1/path` are, to check that each link alert's type
   * is red on both while its fault lasts. `timing`: each fault must fire within 3 cycles of the
   * exporter plus a scrape, an evaluation and the rule's `for:`.
   */
  constructor(
    private readonly prometheus: TestPrometheus,
    private readonly options: {
      timing: AlertTiming;
      explain?: () => Promise<string>;
      exporterUrl?: () => string;
    },
  ) {}

  /** Seconds a fault may take to fire: 3 cycles + scrape + evaluation + `for:` (+ what it needs first). */
  fireBound(slower?: SlowerFault): number {
    const t = this.options.timing;
    return 3 * t.cycleS + t.scrapeS + t.evaluationS + t.forS + POLL_SLACK_S + (slower?.seconds ?? 0);
  }

  /** The links firing `MeridioPathLinkDown`, as `type from` (what the dashboard's links panel lists). */
  async alertedLinks(): Promise<string[]> {
    return (await this.prometheus.query('ALERTS{alertname="MeridioPathLinkDown",alertstate="firing"}'))
      .map((a) => `${a.metric.type} ${a.metric.from}`)
      .sort();
  }

  /** Every link type alerted as down is a down link in /api/v1/path and a red link on the page. */
  private async assertShownRed(want: readonly string[]): Promise<void> {
    const url = this.options.exporterUrl?.();
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
      `expected firing ${JSON.stringify(want)}, got ${JSON.stringify(last)}${(await this.options.explain?.()) ?? ''}`,
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
    options: FaultOptions = {},
  ): Promise<void> {
    const clearWithinMs = options.clearWithinMs ?? 45_000;
    const bound = this.fireBound(options.slower);
    await inject();
    let fire: number;
    try {
      fire = await this.until(want);
      assert.ok(
        fire <= bound,
        `${name}: fired after ${fire.toFixed(1)} s, over the ${bound} s of 3 cycles + scrape + evaluation + for:${options.slower ? ` + ${options.slower.seconds} s (${options.slower.why})` : ''}`,
      );
      await this.steady(want);
      await this.assertShownRed(want);
      await options.during?.();
    } catch (err) {
      // Repaired anyway, so that the next fault starts from a healthy path.
      await repair();
      await this.until([], clearWithinMs).catch(() => {});
      throw err;
    }
    await repair();
    const clear = await this.until([], clearWithinMs);
    this.rows.push(
      `| ${name} | ${want.join(', ') || '—'} | ${fire.toFixed(0)} s (≤ ${bound} s) | ${clear.toFixed(0)} s |`,
    );
  }

  table(): string {
    return ['| fault | alerts | to fire (bound) | to clear |', '|---|---|---|---|', ...this.rows].join('\n');
  }
}
