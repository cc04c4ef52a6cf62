import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import type { Notification, TestAlertmanager } from './alertmanager.ts';
import { EVALUATION_INTERVAL_S, SCRAPE_INTERVAL_S, type TestPrometheus } from './prometheus.ts';

type Alert = { alertname: string; [label: string]: string };

/**
 * Runs faults against a real Prometheus evaluating the shipped rules: each must fire exactly its
 * alerts, keep them (none resolves or appears) while it lasts, and clear after the repair. Collects the
 * matrix the suites print: fault → alerts → seconds to fire → seconds to clear.
 */
/** The clocks between a fault and its alert: the exporter's cycle, Prometheus' intervals, each rule's `for:`. */
export interface AlertTiming {
  cycleS: number;
  scrapeS: number;
  evaluationS: number;
  /** The `for:` of each alert as the test runs it, by alert name. */
  forS: ReadonlyMap<string, number>;
}

/** The `for:` of every rule without a range window in the fault suites. */
export const TEST_FOR_S = 3;
/**
 * The range window of a rule that has one (the drops rule's `rate(…[5m])`) in the fault suites: long
 * enough to hold several of the test Prometheus' 1-s scrapes.
 */
export const TEST_WINDOW_S = 5;

/** The rules as the fault suites load them, and the `for:` each alert got. */
export interface TestRules {
  text: string;
  forS: ReadonlyMap<string, number>;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };
/** A PromQL range selector such as `[5m]`. */
const RANGE = /\[(\d+[smh])\]/g;

function seconds(duration: string): number {
  const m = /^(\d+)([smh])$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration} in the rules`);
  return Number(m[1]) * (SECONDS[m[2] as string] as number);
}

/**
 * The shipped rules with only their time constants shortened, so that a fault fires in seconds. A rule
 * without a range window gets `for: 3s` (or its shipped `for:` if shorter). A rule with one
 * (`rate(…[5m])`) keeps its shipped ratio of `for:` to window: a window of 5 s and, for the drops rule
 * (10m over 5m), `for: 10s`. Cutting only its `for:` would let one dropped packet (seen for the whole
 * window) fire an alert that on a cluster needs drops for twice the window, and let drops from an
 * earlier fault fire in a later one.
 */
export function rulesForTest(shipped: string): TestRules {
  const doc = parse(shipped) as { groups: { rules: { alert?: string; expr: string; for?: string }[] }[] };
  const forS = new Map<string, number>();
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    if (!rule.alert) continue;
    const windows = [...rule.expr.matchAll(RANGE)].map((m) => seconds(m[1] as string));
    // A rule shipped with a shorter `for:` (the VxLAN rule's 0m) keeps it.
    let testFor = Math.min(TEST_FOR_S, seconds(rule.for ?? '0s'));
    if (windows.length > 0) {
      const window = Math.max(...windows);
      rule.expr = rule.expr.replace(RANGE, `[${TEST_WINDOW_S}s]`);
      testFor = Math.round((seconds(rule.for ?? '0s') / window) * TEST_WINDOW_S);
    }
    rule.for = `${testFor}s`;
    forS.set(rule.alert, testFor);
  }
  return { text: stringify(doc), forS };
}

/** The timing of the fault suites: the exporter's `--collect.interval`, the test Prometheus, the rules' `for:`. */
export function testTiming(cycleS: number, rules: TestRules): AlertTiming {
  return { cycleS, scrapeS: SCRAPE_INTERVAL_S, evaluationS: EVALUATION_INTERVAL_S, forS: rules.forS };
}

/**
 * Starts `alertmanager`, when the suite has one, and `prometheus` scraping the exporter at
 * `exporterUrl` with `rules`, sending its alerts to that Alertmanager.
 */
export async function startAlerting(
  prometheus: TestPrometheus,
  exporterUrl: string,
  rules: string,
  alertmanager?: TestAlertmanager,
): Promise<void> {
  await alertmanager?.start();
  await prometheus.start(
    [new URL(exporterUrl).host],
    'meridio-path-exporter',
    [rules],
    undefined,
    alertmanager && new URL(alertmanager.url).host,
  );
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
  /**
   * The alert names of the one notification the fault must page with, after the shipped inhibit
   * rules (its root cause); by default the one alert name of `want`.
   */
  page?: readonly string[];
}

/**
 * What the test polls on top: one query every 0.5 s, and the query's own time on a loaded machine.
 */
const POLL_SLACK_S = 2;

export class FaultMatrix {
  readonly rows: string[] = [];
  /** What fired, and when, while the last `until` waited: the story of a slow fault. */
  private lastTimeline: string[] = [];

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
      /** The Alertmanager Prometheus sends to: each fault must page exactly once, and resolve. */
      alertmanager?: TestAlertmanager;
    },
  ) {}

  /** Waits until `ok` holds for the notifications since `since`, and returns them. */
  private async notifications(since: number, ok: (n: Notification[]) => boolean, ms: number) {
    const am = this.options.alertmanager;
    if (!am) return [];
    const end = Date.now() + ms;
    while (Date.now() < end && !ok(am.since(since))) await new Promise((r) => setTimeout(r, 250));
    return am.since(since);
  }

  /** Exactly one firing notification since `since`, naming `page`; returns what it named. */
  private async assertOnePage(name: string, since: number, page: readonly string[]): Promise<string> {
    if (!this.options.alertmanager) return '';
    // The route's group_wait (10 s in the test) after the first alert, then a group_interval for a change.
    const all = await this.notifications(since, (n) => n.some((x) => x.status === 'firing'), 20_000);
    await new Promise((r) => setTimeout(r, 6_000));
    const firing = pages(this.options.alertmanager.since(since));
    const named = (n: { alerts: { status: string; labels: Record<string, string> }[] }) =>
      [...new Set(n.alerts.filter((a) => a.status === 'firing').map((a) => a.labels.alertname ?? ''))].sort();
    assert.equal(
      firing.length,
      1,
      `${name}: ${firing.length} firing notifications, want 1: ${JSON.stringify(
        firing.map((n) => ({
          afterS: (n.receivedAt - since) / 1000,
          alerts: n.alerts.map((a) => `${a.status} ${JSON.stringify(a.labels)}`),
        })),
      )} (all since the fault: ${all.length})`,
    );
    const paged = named(firing[0] as Notification);
    assert.deepEqual(paged, [...page].sort(), `${name}: the page names its root cause`);
    return paged.join(', ');
  }

  /**
   * Seconds a fault may take to fire: 3 cycles + scrape + evaluation + the longest `for:` of its alerts
   * (+ what it needs first).
   */
  fireBound(want: readonly string[], slower?: SlowerFault): number {
    const t = this.options.timing;
    const forS = Math.max(
      0,
      ...want.map((w) => {
        const name = w.replace(/\{.*$/, '');
        const s = t.forS.get(name);
        if (s === undefined) throw new Error(`${name} is not an alert of the rules under test`);
        return s;
      }),
    );
    return 3 * t.cycleS + t.scrapeS + t.evaluationS + forS + POLL_SLACK_S + (slower?.seconds ?? 0);
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
    this.lastTimeline = [];
    while (Date.now() - t0 < ms) {
      const now = await this.firing();
      if (JSON.stringify(now) !== JSON.stringify(last) || this.lastTimeline.length === 0) {
        this.lastTimeline.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${now.join(', ') || '—'}`);
      }
      last = now;
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
    const bound = this.fireBound(want, options.slower);
    const names = [...new Set(want.map((w) => w.replace(/\{.*$/, '')))];
    const page = options.page ?? names;
    if (this.options.alertmanager && page.length !== 1 && !options.page) {
      throw new Error(
        `${name}: several alerts fire (${names.join(', ')}); say which one pages (options.page)`,
      );
    }
    const injected = Date.now();
    let paged = '';
    await inject();
    let fire: number;
    try {
      fire = await this.until(want);
      assert.ok(
        fire <= bound,
        `${name}: fired after ${fire.toFixed(1)} s, over the ${bound} s of 3 cycles + scrape + evaluation + for:${options.slower ? ` + ${options.slower.seconds} s (${options.slower.why})` : ''} (${this.lastTimeline.join('; ')})`,
      );
      await this.steady(want);
      await this.assertShownRed(want);
      await options.during?.();
      paged = await this.assertOnePage(name, injected, page);
    } catch (err) {
      // Repaired anyway, so that the next fault starts from a healthy path.
      await repair();
      await this.until([], clearWithinMs).catch(() => {});
      throw err;
    }
    const repaired = Date.now();
    await repair();
    const clear = await this.until([], clearWithinMs);
    let notified = '';
    if (this.options.alertmanager && want.length > 0) {
      const after = await this.notifications(repaired, (n) => n.some((x) => x.status === 'resolved'), 20_000);
      const resolved = after.filter((n) => n.status === 'resolved').length;
      const firing = pages(this.options.alertmanager.since(injected)).length;
      assert.equal(resolved, 1, `${name}: ${resolved} resolved notifications after the repair, want 1`);
      assert.equal(firing, 1, `${name}: ${firing} firing notifications in all, want 1`);
      await this.options.alertmanager.idle();
      notified = ` ${paged} | 1 + 1 resolved |`;
    }
    this.rows.push(
      `| ${name} | ${want.join(', ') || '—'} | ${fire.toFixed(0)} s (≤ ${bound} s) | ${clear.toFixed(0)} s |${notified}`,
    );
  }

  table(): string {
    const am = this.options.alertmanager !== undefined;
    return [
      `| fault | alerts | to fire (bound) | to clear |${am ? ' page (Alertmanager) | notifications |' : ''}`,
      `|---|---|---|---|${am ? '---|---|' : ''}`,
      ...this.rows,
    ].join('\n');
  }
}

/**
 * The pages among notifications: those whose firing alerts differ from the notification before. One
 * that repeats the same firing alerts only adds a resolved one (Prometheus re-sends a resolved alert
 * for 15 minutes, and it joins the next group of its node) and pages no one anew.
 */
function pages(notifications: readonly Notification[]): Notification[] {
  const out: Notification[] = [];
  let last = '';
  for (const n of notifications) {
    if (n.status !== 'firing') {
      last = '';
      continue;
    }
    const firing = JSON.stringify(
      n.alerts
        .filter((a) => a.status === 'firing')
        .map((a) => JSON.stringify(Object.entries(a.labels).sort()))
        .sort(),
    );
    if (firing !== last) out.push(n);
    last = firing;
  }
  return out;
}
