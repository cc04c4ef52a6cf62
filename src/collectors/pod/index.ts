import type { PodCollector, PodCommandParser } from './collector.ts';
import { podFdbCollector } from './pod-fdb.ts';
import { podInfoCollector } from './pod-info.ts';
import { podInterfacesCollector } from './pod-interfaces.ts';
import { podNeighborsCollector } from './pod-neighbors.ts';
import { podRoutesCollector } from './pod-routes.ts';
import { podRulesCollector } from './pod-rules.ts';

/** Every pod collector, in the order their families appear in /metrics. */
export const POD_COLLECTORS: readonly PodCollector[] = [
  podInfoCollector,
  podInterfacesCollector,
  podRulesCollector,
  podRoutesCollector,
  podNeighborsCollector,
  podFdbCollector,
];

/** The parser of every allowlisted pod command, by command id. */
export const POD_PARSERS: ReadonlyMap<string, PodCommandParser> = new Map(
  POD_COLLECTORS.flatMap((c) => c.parsers).map((p) => [p.command.id, p]),
);
