import type { PodLink } from '../parsers/linux/records.ts';
import type { PathLink } from './graph.ts';
import { makeLink } from './link-health.ts';
import type { NodeIndex, PodInterfaceRef } from './node-index.ts';

/**
 * A target's conduit whose MAC the proxy's bridge has not had in its FDB for a while. Learned entries
 * age out after 300 s without traffic, so a short absence is an idle target, not a fault: the link is
 * shown (red) only once the MAC has been missing for `windowMs`, as long as the alert on the same
 * fault waits. Which port the target hangs on comes from the veth pair itself (the port's index and
 * peer index mirror the target interface's), not from names.
 */
export class MissingFdb {
  /** Link id → when its MAC was first seen missing. */
  private readonly since = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  links(index: NodeIndex, now: number): PathLink[] {
    const links: PathLink[] = [];
    if (this.windowMs <= 0) return links;
    const stillMissing = new Set<string>();
    for (const target of index.podInterfaces) {
      if (target.pod.target.role !== 'target' || target.link.ifindex === undefined) continue;
      const mac = target.node.mac;
      const port = bridgePortOf(index, target);
      if (!mac || !port) continue;
      const fdb = port.pod.data.fdb;
      // The proxy's FDB was not read this cycle: nothing is known, nothing is forgotten.
      if (!fdb) {
        for (const id of this.since.keys()) if (id.startsWith(`${port.node.id}|`)) stillMissing.add(id);
        continue;
      }
      const bridge = port.link.master as string;
      const learned = fdb.some((e) => e.bridge === bridge && e.mac.toLowerCase() === mac);
      const id = `${port.node.id}|${target.node.id}`;
      if (learned) continue;
      stillMissing.add(id);
      const first = this.since.get(id) ?? now;
      this.since.set(id, first);
      if (now - first < this.windowMs) continue;
      const minutes = Math.round((now - first) / 60_000);
      links.push(
        makeLink('fdb', port.node, target.node, [], { mac, bridge }, [
          `${bridge} has not had ${target.node.title}'s MAC ${mac} in its FDB for ${minutes} min (an idle target's entry ages out after 300 s; this one stayed out)`,
        ]),
      );
    }
    for (const id of this.since.keys()) if (!stillMissing.has(id)) this.since.delete(id);
    return links;
  }
}

/** The proxy bridge port that is the other end of a target interface's veth, when exactly one is. */
function bridgePortOf(index: NodeIndex, target: PodInterfaceRef): PodInterfaceRef | undefined {
  const t: PodLink = target.link;
  const ports = index.podInterfaces.filter(
    (r) =>
      r.pod.target.role === 'proxy' &&
      r.link.master !== undefined &&
      r.link.ifindex === t.peerIfindex &&
      r.link.peerIfindex === t.ifindex,
  );
  return ports.length === 1 ? ports[0] : undefined;
}
