import type { VppCollector, VppFamilies } from './collector.ts';
import { vppErrorsCollector } from './vpp-errors.ts';
import { vppInterfaceCollector } from './vpp-interface.ts';
import { vppInterfaceAddrCollector } from './vpp-interface-addr.ts';
import { vppStatsSegmentFamilies } from './vpp-stats-segment.ts';
import { vppTapCollector } from './vpp-tap.ts';
import { vppVersionCollector } from './vpp-version.ts';
import { vppVxlanCollector } from './vpp-vxlan.ts';

/** Every VPP collector, in the order their commands run within a cycle. */
export const VPP_COLLECTORS: readonly VppCollector[] = [
  vppInterfaceCollector,
  vppInterfaceAddrCollector,
  vppVersionCollector,
  vppTapCollector,
  vppVxlanCollector,
  vppErrorsCollector,
];

/** Every family rendered from a VPP snapshot: the commands' and the stats segment's own. */
export const VPP_FAMILIES: readonly VppFamilies[] = [...VPP_COLLECTORS, vppStatsSegmentFamilies];
