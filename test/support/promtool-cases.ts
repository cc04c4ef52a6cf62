import assert from 'node:assert/strict';
import type { AlertRule } from '../../grafana/src/alert-rules.ts';

/** Expand the few template forms the rules use, as Prometheus would for these labels and value. */
function expand(template: string, labels: Record<string, string>, value: string): string {
  const out = template
    .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value( \| humanize)? \}\}/g, value);
  assert.doesNotMatch(out, /\{\{/, `a template form this test does not expand: ${out}`);
  return out;
}

/**
 * One alert `promtool test rules` must see: the rule's labels and severity, and its annotations as
 * Prometheus expands them for `labels` and `value` (the shipped rules carry no runbook_url).
 */
export function expectedAlert(rule: AlertRule, labels: Record<string, string>, value = '0') {
  return {
    exp_labels: { ...labels, severity: rule.severity },
    exp_annotations: {
      summary: expand(rule.summary, labels, value),
      description: expand(rule.description, labels, value),
    },
  };
}
