import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { rulesForTest, TEST_FOR_S, TEST_WINDOW_S } from '../support/fault-matrix.ts';

// The fault suites shorten the shipped rules' time constants and nothing else: what they prove must
// hold for the file operators deploy.
const SHIPPED = readFileSync(
  new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url),
  'utf8',
);
type Rule = { alert: string; expr: string; for: string; labels?: unknown; annotations?: unknown };
const rules = (text: string): Rule[] =>
  (parse(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('rulesForTest', () => {
  const shipped = rules(SHIPPED);
  const test = rulesForTest(SHIPPED);
  const shortened = rules(test.text);

  it('keeps every rule, its labels and annotations', () => {
    assert.deepEqual(
      shortened.map((r) => [r.alert, r.labels, r.annotations]),
      shipped.map((r) => [r.alert, r.labels, r.annotations]),
    );
  });

  it('gives rules without a range window for: 3s, or their shipped for: if shorter, and leaves their expressions as shipped', () => {
    for (const [i, r] of shortened.entries()) {
      const orig = shipped[i] as Rule;
      if (/\[\d+[smh]\]/.test(orig.expr)) continue;
      assert.equal(r.expr, orig.expr, r.alert);
      const want = orig.for === '0m' ? 0 : TEST_FOR_S;
      assert.equal(r.for, `${want}s`, r.alert);
      assert.equal(test.forS.get(r.alert), want);
    }
    // The VxLAN rule fires on its first evaluation on a cluster too.
    assert.equal(test.forS.get('MeridioPathVxlanTunnelGone'), 0);
  });

  it('shortens a rate window and keeps the shipped ratio of for: to it (drops: 10m over 5m)', () => {
    const drops = shortened.find((r) => r.alert === 'MeridioPathInterfaceDrops') as Rule;
    assert.match((shipped.find((r) => r.alert === drops.alert) as Rule).expr, /\[5m\]/);
    assert.match(drops.expr, new RegExp(`\\[${TEST_WINDOW_S}s\\]`));
    assert.doesNotMatch(drops.expr, /\[5m\]/);
    assert.equal(drops.for, `${2 * TEST_WINDOW_S}s`);
    assert.equal(test.forS.get(drops.alert), 2 * TEST_WINDOW_S);
  });

  it('leaves an offset alone: the VxLAN rule still compares with 10 minutes ago', () => {
    const vxlan = shortened.find((r) => r.alert === 'MeridioPathVxlanTunnelGone') as Rule;
    assert.match(vxlan.expr, /offset 10m/);
  });
});
