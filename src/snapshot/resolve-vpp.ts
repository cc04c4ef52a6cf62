import type { VppInterface } from '../parsers/vpp/show-interface.ts';
import type { VppInterfaceAddr } from '../parsers/vpp/show-interface-addr.ts';
import type { VppSnapshot } from './vpp-snapshot.ts';

export interface ResolveNotes {
  /** Names VPP cut that were restored from `show interface addr`. */
  restoredNames: number;
  /** Names that stay cut (no full name found); made unique with `~<sw_if_index>` when they collide. */
  unresolvedNames: number;
}

/**
 * Cross-command fixes that need more than one output: restore interface names `show interface` cut at
 * 32 characters from `show interface addr` (which never cuts), never letting two interfaces share a
 * name, and name each VxLAN tunnel's interface by its sw_if_index.
 */
export function resolveVppSnapshot(snapshot: VppSnapshot): ResolveNotes {
  const notes: ResolveNotes = { restoredNames: 0, unresolvedNames: 0 };
  if (snapshot.interfaces) restoreCutNames(snapshot.interfaces, snapshot.addrs, notes);
  if (snapshot.rawTunnels) {
    const byIndex = new Map((snapshot.interfaces ?? []).map((i) => [i.swIfIndex, i.name]));
    snapshot.tunnels = snapshot.rawTunnels.map((t) => ({
      ...t,
      interfaceName: byIndex.get(t.swIfIndex) ?? `vxlan_tunnel${t.instance}`,
    }));
  }
  return notes;
}

function restoreCutNames(
  interfaces: VppInterface[],
  addrs: VppInterfaceAddr[] | undefined,
  notes: ResolveNotes,
): void {
  const cut = interfaces.filter((i) => i.nameMayBeTruncated);
  if (cut.length === 0) return;
  const fullNames = (addrs ?? []).map((a) => a.name);
  const exact = new Set(interfaces.filter((i) => !i.nameMayBeTruncated).map((i) => i.name));
  // Both commands list interfaces in the same order, so the k-th cut name with a given prefix is the
  // k-th full name with that prefix.
  const used = new Set<string>();
  const prefixCount = new Map<string, number>();
  for (const iface of cut) {
    const k = prefixCount.get(iface.name) ?? 0;
    prefixCount.set(iface.name, k + 1);
    const candidates = fullNames.filter((n) => n.startsWith(iface.name) && !exact.has(n));
    const full = candidates[k];
    if (full && !used.has(full)) {
      used.add(full);
      if (full !== iface.name) notes.restoredNames++;
      iface.name = full;
      iface.nameMayBeTruncated = false;
    }
  }
  const seen = new Map<string, number>();
  for (const iface of interfaces) seen.set(iface.name, (seen.get(iface.name) ?? 0) + 1);
  for (const iface of cut) {
    if (!iface.nameMayBeTruncated) continue;
    notes.unresolvedNames++;
    if ((seen.get(iface.name) ?? 0) > 1) iface.name = `${iface.name}~${iface.swIfIndex}`;
  }
}
