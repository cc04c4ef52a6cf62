import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatedFiles } from '../../grafana/src/generate.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { startTestExporter } from '../support/exporter.ts';
import { DEMO, vppFixturePath } from '../support/fixtures.ts';
import { PROMETHEUS_VERSIONS, TestPrometheus } from '../support/prometheus.ts';

interface Dashboard {
  title: string;
  panels: { type: string; title: string; targets?: { expr: string; refId: string }[] }[];
  templating: { list: { name: string; type: string; query?: { query?: string } | string }[] };
}

/** The demo's values for the variables, as a user of worker-a would pick them. */
const VALUES: Record<string, string> = {
  node: 'worker-a',
  forwarder: 'forwarder-vpp-worker-a',
  namespace: 'red',
  pod: '.*',
  __rate_interval: '1m',
};

function substitute(expr: string): string {
  return expr.replace(
    /\$(__rate_interval|node|forwarder|namespace|pod)\b/g,
    (_m, name: string) => VALUES[name] ?? '',
  );
}

const dashboards = [...generatedFiles()]
  .filter(([path]) => path.startsWith('grafana/dashboards/'))
  .map(([, text]) => JSON.parse(text) as Dashboard);

// The queries run on every Prometheus of PROMETHEUS_VERSIONS (range selectors, `le` and regex
// matching changed in 3).
for (const { name, prometheus: bin } of PROMETHEUS_VERSIONS) {
  describe(`every dashboard query against a real ${name} that scraped the demo`, () => {
    const prometheus = new TestPrometheus(bin());
    let exporter: RunningExporter;
    // The demo of worker-a, plus the VPP v26.06 lab's `show errors` and `show version` (the guide has
    // neither), so the error-reason and version panels have data.
    const dir = mkdtempSync(join(tmpdir(), 'mpe-dash-'));

    before(async () => {
      cpSync(`${DEMO}worker-a`, dir, { recursive: true });
      copyFileSync(vppFixturePath('vpp2606-show-errors.txt'), join(dir, 'vpp', 'show-errors.txt'));
      copyFileSync(vppFixturePath('vpp2606-show-version.txt'), join(dir, 'vpp', 'show-version.txt'));
      exporter = await startTestExporter(
        ['--replay', dir, '--collect.interval=2s', '--collect.command-timeout=1500ms'],
        { schedule: true },
      );
      await prometheus.start([exporter.url.replace('http://', '')]);
      // Rates need two samples in their window.
      await prometheus.queryUntil('rate(vpp_interface_rx_packets_total[1m])', 1, 30_000);
    });

    after(async () => {
      await prometheus.stop();
      await exporter?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const d of dashboards) {
      it(`${d.title}: every variable query finds values`, async () => {
        for (const v of d.templating.list) {
          if (v.type !== 'query') continue;
          const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
          const m = /^label_values\((.+), (\w+)\)$/.exec(q);
          assert.ok(m, `${v.name}: ${q}`);
          const result = await prometheus.query(substitute(m[1] as string));
          assert.ok(
            result.some((r) => (r.metric[m[2] as string] ?? '') !== ''),
            `${v.name}: no value of ${m[2]} in ${m[1]}`,
          );
        }
      });

      for (const panel of d.panels.filter((p) => p.type !== 'row')) {
        it(`${d.title} / ${panel.title}: every query parses and returns series`, async () => {
          for (const t of panel.targets ?? []) {
            const expr = substitute(t.expr);
            const result = await prometheus.query(expr);
            assert.ok(result.length > 0, `${t.refId}: no series for ${expr}`);
          }
        });
      }
    }
  });
}
