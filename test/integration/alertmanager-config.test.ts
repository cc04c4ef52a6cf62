import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { builtTool } from '../support/test-cache.ts';

// The shipped Alertmanager fragment merged as the README says, checked by the real amtool (built by
// scripts/test-cluster-parts.sh); what it does with the fault matrix' alerts is in test/e2e.
const SHIPPED = new URL('../../deploy/alertmanager/meridio-path-exporter.yml', import.meta.url).pathname;

describe('the shipped Alertmanager configuration (amtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpe-amtool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** An operator's configuration with the fragment merged: their root route and receivers, ours under it. */
  function merged(edit: (fragment: { route: Record<string, unknown>; inhibit_rules: unknown[] }) => void) {
    const fragment = parse(readFileSync(SHIPPED, 'utf8'));
    edit(fragment);
    const file = join(dir, `alertmanager-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(
      file,
      stringify({
        route: {
          receiver: 'default',
          group_by: ['alertname'],
          routes: [{ ...fragment.route, receiver: 'meridio' }],
        },
        receivers: [{ name: 'default' }, { name: 'meridio' }],
        inhibit_rules: fragment.inhibit_rules,
      }),
    );
    return file;
  }

  function amtool(args: string[]): { status: number | null; out: string } {
    const r = spawnSync(builtTool('amtool'), args, { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('passes amtool check-config once merged', () => {
    const r = amtool(['check-config', merged(() => {})]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, / 4 inhibit rules\n/);
  });

  it('routes every Meridio alert to its route, and nothing else', () => {
    const file = merged(() => {});
    const route = (labels: string[]) =>
      amtool(['config', 'routes', 'test', `--config.file=${file}`, ...labels]).out.trim();
    assert.equal(route(['alertname=MeridioPathLinkDown', 'node=worker-a']), 'meridio');
    assert.equal(route(['alertname=MeridioPathExporterDown', 'instance=10.0.0.1:9847']), 'meridio');
    assert.equal(route(['alertname=KubePodCrashLooping', 'node=worker-a']), 'default');
  });

  it('a broken fragment is refused (the check can fail)', () => {
    const r = amtool([
      'check-config',
      merged((f) => {
        f.inhibit_rules.push({ source_matchers: ['alertname=~"('], target_matchers: ['x="y"'] });
      }),
    ]);
    assert.notEqual(r.status, 0, r.out);
  });
});
