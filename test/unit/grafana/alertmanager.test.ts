import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RULE_GROUPS } from '../../../grafana/src/alert-rules.ts';
import { FOR_EXCEPTIONS, INHIBIT_RULES } from '../../../grafana/src/alertmanager.ts';

const RULES = new Map(RULE_GROUPS.flatMap((g) => g.rules).map((r) => [r.alert, r]));

function seconds(duration: string): number {
  const m = /^(\d+)([smh])$/.exec(duration);
  assert.ok(m, duration);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

describe('the shipped Alertmanager inhibit rules', () => {
  it('name only alerts the rules have', () => {
    for (const r of INHIBIT_RULES) {
      for (const name of [...r.sources, ...r.targets]) assert.ok(RULES.has(name), `${name} is not a rule`);
      assert.deepEqual(
        r.sources.filter((s) => r.targets.includes(s)),
        [],
        'an alert never inhibits its own kind',
      );
    }
  });

  it('a root cause fires no later than the symptoms it silences (its for: is not longer), or says why', () => {
    const late: string[] = [];
    for (const r of INHIBIT_RULES) {
      for (const source of r.sources) {
        for (const target of r.targets) {
          const s = seconds(RULES.get(source)?.for ?? '0s');
          const t = seconds(RULES.get(target)?.for ?? '0s');
          if (s > t && !FOR_EXCEPTIONS[`${source}→${target}`])
            late.push(`${source} (${s} s) → ${target} (${t} s)`);
        }
      }
    }
    assert.deepEqual(late, []);
  });

  it('every exception is still needed', () => {
    for (const pair of Object.keys(FOR_EXCEPTIONS)) {
      const [source, target] = pair.split('→') as [string, string];
      assert.ok(
        INHIBIT_RULES.some((r) => r.sources.includes(source) && r.targets.includes(target)),
        `${pair} is inhibited by no rule`,
      );
      assert.ok(
        seconds(RULES.get(source)?.for ?? '0s') > seconds(RULES.get(target)?.for ?? '0s'),
        `${pair}: the source no longer fires later`,
      );
    }
  });
});
