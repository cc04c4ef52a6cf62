import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RULE_GROUPS, runbookBase } from '../../../grafana/src/alert-rules.ts';
import { generatedFiles } from '../../../grafana/src/generate.ts';
import { DATASOURCE_UID } from '../../../grafana/src/panels.ts';
import { ALL_METRICS } from '../../../src/render/catalog.ts';

const ROOT = new URL('../../../', import.meta.url);

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; datasource?: { uid?: string }; query?: unknown }[] };
  links: { includeVars?: boolean; keepTime?: boolean; tags?: string[] }[];
}

const files = generatedFiles();
const dashboards = [...files]
  .filter(([path]) => path.startsWith('grafana/dashboards/'))
  .map(([path, text]) => [path, JSON.parse(text) as Dashboard] as const);
const KNOWN = new Set(ALL_METRICS.map((m) => m.name));

/** Metric names an expression uses: words of our prefixes outside strings, matchers and label lists. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/\b((?:vpp|meridio)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

describe('generated monitoring files', () => {
  for (const [path, text] of files) {
    it(`${path} is what grafana/src generates (regenerate: npm run grafana:generate)`, () => {
      assert.equal(readFileSync(new URL(path, ROOT), 'utf8'), text);
    });
  }
});

describe('dashboard lint', () => {
  it('there are the three dashboards, with distinct uids', () => {
    assert.deepEqual(dashboards.map(([, d]) => d.uid).sort(), [
      'meridio-path-overview',
      'meridio-path-pods',
      'meridio-path-vpp',
    ]);
  });

  for (const [path, d] of dashboards) {
    it(`${path}: variables datasource, node, forwarder, namespace, pod; links keep them and the time`, () => {
      const vars = d.templating.list.map((v) => v.name);
      assert.deepEqual(vars, ['datasource', 'node', 'forwarder', 'namespace', 'pod']);
      assert.equal(d.templating.list[0]?.type, 'datasource');
      for (const v of d.templating.list.slice(1)) assert.equal(v.datasource?.uid, DATASOURCE_UID, v.name);
      assert.ok(d.links.length > 0);
      for (const l of d.links) assert.deepEqual([l.includeVars, l.keepTime], [true, true]);
    });

    it(`${path}: every panel has a title and a unit, uses the datasource variable, and only known metrics`, () => {
      const panels = d.panels.filter((p) => p.type !== 'row');
      assert.ok(panels.length >= 5);
      for (const p of panels) {
        assert.ok(p.title, `${p.type} panel without a title`);
        assert.ok(p.fieldConfig?.defaults?.unit, `${p.title}: no unit`);
        assert.equal(p.datasource?.uid, DATASOURCE_UID, `${p.title}: datasource`);
        assert.ok((p.targets ?? []).length > 0, `${p.title}: no query`);
        for (const t of p.targets ?? []) {
          assert.equal(t.datasource?.uid, DATASOURCE_UID, `${p.title}: query datasource`);
          for (const name of metricNames(t.expr))
            assert.ok(KNOWN.has(name), `${p.title}: unknown metric ${name}`);
        }
      }
    });

    it(`${path}: no datasource UID is hard-coded anywhere`, () => {
      const uids = [...JSON.stringify(d).matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1]);
      assert.deepEqual(
        uids.filter((u) => u !== DATASOURCE_UID && u !== d.uid),
        [],
      );
    });
  }

  it('the lint catches an unknown metric (the check can fail)', () => {
    assert.deepEqual(
      metricNames('sum by (vpp_node) (rate(vpp_interface_rx_packetz_total{vpp_a="vpp_x"}[5m]))').filter(
        (n) => !KNOWN.has(n),
      ),
      ['vpp_interface_rx_packetz_total'],
    );
  });
});

describe('alert rules lint', () => {
  const readme = readFileSync(new URL('docs/runbook.md', ROOT), 'utf8');
  for (const rule of RULE_GROUPS.flatMap((g) => g.rules)) {
    it(`${rule.alert}: severity, summary, description, a runbook section in docs/runbook.md, known metrics`, () => {
      assert.ok(['critical', 'warning'].includes(rule.severity));
      assert.ok(rule.summary.length > 10 && rule.description.length > 40);
      assert.ok(
        readme.includes(`<a id="${rule.runbook}"></a>`),
        `docs/runbook.md has no runbook section ${rule.runbook}`,
      );
      for (const name of metricNames(rule.expr)) assert.ok(KNOWN.has(name), `unknown metric ${name}`);
    });
  }
});

describe('runbook links', () => {
  it('are absent by default: no guessed address', () => {
    for (const path of [
      'deploy/rules/meridio-path-exporter.rules.yml',
      'deploy/components/prometheus-operator/prometheusrule.yaml',
      'deploy/components/plain-prometheus/prometheus-rules-configmap.yaml',
    ]) {
      assert.doesNotMatch(files.get(path) as string, /runbook_url/, path);
    }
  });

  it('follow the generator setting when given, one anchor per alert', () => {
    const own = generatedFiles('https://wiki.example.org/meridio/runbook/');
    const rules = own.get('deploy/components/prometheus-operator/prometheusrule.yaml') as string;
    const links = [...rules.matchAll(/runbook_url: (\S+)/g)].map((m) => m[1] as string);
    assert.equal(links.length, RULE_GROUPS.flatMap((g) => g.rules).length);
    for (const link of links)
      assert.match(link, /^https:\/\/wiki\.example\.org\/meridio\/runbook#runbook-[a-z-]+$/);
  });

  it('drops a trailing slash of the setting', () => {
    assert.equal(runbookBase('https://x.example/r.md//'), 'https://x.example/r.md');
  });

  it('name anchors that docs/runbook.md has', () => {
    const runbook = readFileSync(new URL('docs/runbook.md', ROOT), 'utf8');
    for (const r of RULE_GROUPS.flatMap((g) => g.rules)) {
      assert.match(runbook, new RegExp(`<a id="${r.runbook}"></a>`), r.alert);
    }
  });
});

// The README states the Grafana versions the dashboards import into; this keeps that statement true.
// schemaVersion 42 is what Grafana 12.2 and later write. Grafana 10.3 to 12.1 (schema 39 to 41) load a
// newer dashboard as it is, running no migration, so the JSON must not rely on what migrations 40 to
// 42 change: a string refresh (40), no timepicker.time_options (41), no hideFrom override (42).
describe('Grafana versions', () => {
  for (const [path, text] of files) {
    if (!path.startsWith('grafana/dashboards/')) continue;
    it(`${path}: schema 42, nothing that migrations 40–42 would rewrite`, () => {
      const d = JSON.parse(text) as Record<string, unknown> & { timepicker?: Record<string, unknown> };
      assert.equal(d.schemaVersion, 42);
      assert.ok(d.refresh === undefined || typeof d.refresh === 'string');
      assert.equal(d.timepicker?.time_options, undefined);
      assert.doesNotMatch(text, /"hideFrom"/);
      // Datasource references as objects need Grafana 8.3; the README's floor is far above it.
      assert.doesNotMatch(text, /"datasource": "[^$]/);
    });
  }
});
