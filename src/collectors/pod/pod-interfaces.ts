import { defineMetric, type MetricDef } from '../../exposition/metric-def.ts';
import { parseIpAddrJson, parseIpAddrText } from '../../parsers/linux/ip-addr.ts';
import { parseIpLinkJson } from '../../parsers/linux/ip-link.ts';
import { parseProcNetDev } from '../../parsers/linux/proc-net-dev.ts';
import type { PodLinkCounters } from '../../parsers/linux/records.ts';
import { parseSysClassNetAddress } from '../../parsers/linux/sys-class-net.ts';
import { POD_COMMANDS } from '../../sources/pod-commands.ts';
import { firstByKey, type PodCollector, podLabels } from './collector.ts';

const info = defineMetric({
  name: 'meridio_pod_interface_info',
  type: 'gauge',
  help: 'Interface of a Meridio pod: MAC, MTU, operstate, the bridge it is a port of, and its kind.',
  labels: podLabels('interface', 'mac', 'mtu', 'operstate', 'master', 'kind'),
  source: 'ip -json -stats -details link show (text: ip addr show; proc: /sys/class/net/*/address)',
});

const address = defineMetric({
  name: 'meridio_pod_interface_address_info',
  type: 'gauge',
  help: 'IP address configured on an interface of a Meridio pod.',
  labels: podLabels('interface', 'address', 'prefix_len', 'family'),
  source: 'ip -json addr show (text: ip addr show)',
});

function counter(name: string, help: string, key: keyof Omit<PodLinkCounters, 'name'>) {
  return {
    key,
    def: defineMetric({
      name: `meridio_pod_interface_${name}_total`,
      type: 'counter',
      help: `${help} of an interface of a Meridio pod.`,
      labels: podLabels('interface'),
      source: 'ip -json -stats -details link show (text and proc: /proc/net/dev)',
    }),
  };
}

const COUNTERS = [
  counter('rx_bytes', 'Bytes received', 'rxBytes'),
  counter('rx_packets', 'Packets received', 'rxPackets'),
  counter('rx_errors', 'Receive errors', 'rxErrors'),
  counter('rx_dropped', 'Received packets dropped', 'rxDropped'),
  counter('tx_bytes', 'Bytes sent', 'txBytes'),
  counter('tx_packets', 'Packets sent', 'txPackets'),
  counter('tx_errors', 'Transmit errors', 'txErrors'),
  counter('tx_dropped', 'Packets dropped on transmit', 'txDropped'),
];

export const podInterfacesCollector: PodCollector = {
  name: 'interfaces',
  parsers: [
    { command: POD_COMMANDS.linkJson, parse: parseIpLinkJson },
    { command: POD_COMMANDS.addrJson, parse: parseIpAddrJson },
    { command: POD_COMMANDS.addrText, parse: parseIpAddrText },
    {
      command: POD_COMMANDS.procNetDev,
      parse: (text) => {
        const r = parseProcNetDev(text);
        return { value: { counters: r.value }, report: r.report };
      },
    },
    {
      command: POD_COMMANDS.sysClassNetAddress,
      parse: (text) => {
        const r = parseSysClassNetAddress(text);
        return { value: { links: r.value }, report: r.report };
      },
    },
  ],
  metrics: [info, address, ...COUNTERS.map((c) => c.def)] as MetricDef[],
  render(w, pod, base) {
    const { links, counters, addresses } = pod.data;
    for (const l of firstByKey(links, (x) => x.name)) {
      w.sample(
        info,
        [...base, l.name, l.mac ?? '', l.mtu ?? '', l.operstate ?? '', l.master ?? '', l.kind ?? ''],
        1,
      );
    }
    for (const a of firstByKey(addresses, (x) => `${x.interface} ${x.address}/${x.prefixLen}`)) {
      w.sample(address, [...base, a.interface, a.address, a.prefixLen, a.family], 1);
    }
    const first = COUNTERS[0]?.def as MetricDef;
    for (const c of firstByKey(counters, (x) => x.name)) {
      const labels = w.labels(first, [...base, c.name]);
      for (const { key, def } of COUNTERS) {
        const v = c[key];
        if (v !== undefined) w.sampleWithLabels(def, labels, v);
      }
    }
  },
};
