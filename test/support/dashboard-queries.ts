import { readFileSync } from 'node:fs';
import type { TestPrometheus } from './prometheus.ts';

interface Panel {
  title?: string;
  type: string;
  targets?: { expr?: string }[];
}

export interface PanelResult {
  panel: string;
  expr: string;
  series: { metric: Record<string, string>; value: [number, string] }[];
}

const DASHBOARD = new URL('../../grafana/dashboards/meridio-traffic-path.json', import.meta.url);

/**
 * Every query of the traffic-path dashboard, with its variables as a user who picked this node (and
 * every forwarder, namespace and pod) would have them, evaluated by a real Prometheus now. A query
 * Prometheus refuses throws.
 */
export async function evaluateTrafficPathPanels(
  prometheus: TestPrometheus,
  node: string,
  rateInterval = '10s',
): Promise<PanelResult[]> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const out: PanelResult[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      if (!target.expr) continue;
      const expr = target.expr
        .replaceAll('$node', node)
        .replace(/\$(forwarder|namespace|pod)\b/g, '.*')
        .replaceAll('$__rate_interval', rateInterval);
      out.push({ panel: panel.title ?? '', expr, series: await prometheus.query(expr) });
    }
  }
  return out;
}

/** The path links the "Path links" panel shows down (value 0), as `type from`, once each (as alerts name them). */
export function linksShownDown(results: readonly PanelResult[]): string[] {
  const shown = results
    .filter((r) => r.panel === 'Path links')
    .flatMap((r) =>
      r.series.filter((s) => s.value[1] === '0').map((s) => `${s.metric.type} ${s.metric.from}`),
    );
  return [...new Set(shown)].sort();
}

/** Panels whose every query returned nothing. */
export function emptyPanels(results: readonly PanelResult[]): string[] {
  const byPanel = new Map<string, number>();
  for (const r of results) byPanel.set(r.panel, (byPanel.get(r.panel) ?? 0) + r.series.length);
  return [...byPanel]
    .filter(([, n]) => n === 0)
    .map(([p]) => p)
    .sort();
}
