import { defineMetric } from '../../exposition/metric-def.ts';
import { parseIpRuleJson, parseIpRuleText } from '../../parsers/linux/ip-rule.ts';
import type { PodData, PodRule } from '../../parsers/linux/records.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import { POD_COMMANDS } from '../../sources/pod-commands.ts';
import { firstByKey, type PodCollector, podLabels } from './collector.ts';

const ruleInfo = defineMetric({
  name: 'meridio_proxy_rule_info',
  type: 'gauge',
  help: 'Policy routing rule of a Meridio pod (the proxy sends traffic from a VIP to its table): priority, selectors, action, table.',
  labels: podLabels('family', 'priority', 'from', 'to', 'iif', 'fwmark', 'action', 'table'),
  source: 'ip -json -4|-6 rule show (text: ip -4|-6 rule show)',
});

const asRules = (r: Parsed<PodRule[]>): Parsed<PodData> => ({ value: { rules: r.value }, report: r.report });

export const podRulesCollector: PodCollector = {
  name: 'rules',
  parsers: [
    { command: POD_COMMANDS.rule4Json, parse: (t) => asRules(parseIpRuleJson(t, 'ipv4')) },
    { command: POD_COMMANDS.rule6Json, parse: (t) => asRules(parseIpRuleJson(t, 'ipv6')) },
    { command: POD_COMMANDS.rule4Text, parse: (t) => asRules(parseIpRuleText(t, 'ipv4')) },
    { command: POD_COMMANDS.rule6Text, parse: (t) => asRules(parseIpRuleText(t, 'ipv6')) },
  ],
  metrics: [ruleInfo],
  render(w, pod, base) {
    const key = (r: PodRule) =>
      [r.family, r.priority, r.not ? `!${r.from}` : r.from, r.to, r.iif, r.fwmark, r.action, r.table].join(
        ' ',
      );
    for (const r of firstByKey(pod.data.rules, key)) {
      w.sample(
        ruleInfo,
        [
          ...base,
          r.family,
          r.priority,
          r.not ? `not ${r.from}` : r.from,
          r.to ?? '',
          r.iif ?? '',
          r.fwmark ?? '',
          r.action,
          r.table ?? '',
        ],
        1,
      );
    }
  },
};
