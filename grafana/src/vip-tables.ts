/**
 * The proxies' VIP tables, for alerts and panels alike: a policy rule from one address (a VIP) to a
 * table of its own, in a pod that is a proxy. Every pod has `from all lookup main`, and targets route
 * their own way: neither is a VIP table, and the trench's frontends are not their nexthops.
 * `matchers` narrows both series (e.g. the dashboards' namespace variable).
 */
export function vipRules(matchers = ''): string {
  const m = matchers ? `${matchers}, ` : '';
  return `meridio_proxy_rule_info{${m}action="lookup", from!="all", table!~"main|local|default|253|254|255"}\n    and on (node, namespace, pod) meridio_pod_info{${m}role="proxy"}`;
}
