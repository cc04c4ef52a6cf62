import { parseIpLinkJson } from '../parsers/linux/ip-link.ts';
import type { PodLink } from '../parsers/linux/records.ts';
import { AF_PACKET_PREFIX, type CommandStatus } from '../snapshot/vpp-snapshot.ts';
import { POD_COMMANDS } from '../sources/pod-commands.ts';
import type { PodSource, PodTarget } from '../sources/pod-source.ts';
import { DEADLINE_PASSED, judgeParse } from './command-outcome.ts';
import { stateDue } from './state-due.ts';
import { failureMessage } from './timeout-text.ts';

/** An af_packet interface is named after the Linux interface it is bound to. */
const COMMAND = POD_COMMANDS.linkJson;

export interface NamespaceLinksOptions {
  /** Runs allowlisted commands where VPP's namespace is (the netns source, or exec into the forwarder). */
  runner: PodSource;
  commandTimeoutMs: number;
  stateIntervalMs: number;
  now: () => number;
}

/**
 * The links of VPP's own network namespace, read with the pods' `ip -json link`, through
 * `/proc/<vpp pid>/ns/net` or in the forwarder container by exec: the veths that VPP's af_packet
 * host-interfaces are bound to, and the index of each one's peer, which names the pod interface
 * behind it. Read only while VPP has an af_packet interface and its namespace can be told; on the
 * state interval, and again when VPP's interface set changes. A forwarder image without `ip` leaves
 * the links out, as a VPP process this agent cannot see does: nothing there could be read.
 */
export class VppNamespaceLinks {
  private cached?: { status: CommandStatus; links?: PodLink[] };
  /** When the forwarder's image was found without `ip`: asked again on the state interval only. */
  private unsupportedAt?: number;

  constructor(private readonly options: NamespaceLinksOptions) {}

  async read(
    interfaceNames: readonly string[] | undefined,
    namespaceOf: () => PodTarget | undefined,
    interfaceSetChanged: boolean,
    deadlineAt: number,
  ): Promise<{ status: CommandStatus; links?: PodLink[] } | undefined> {
    const { now } = this.options;
    if (!interfaceNames?.some((n) => n.startsWith(AF_PACKET_PREFIX))) {
      this.cached = undefined;
      return undefined;
    }
    const at = this.unsupportedAt;
    if (
      at !== undefined &&
      !stateDue({ state: 'ok', readAt: at }, false, now(), this.options.stateIntervalMs)
    ) {
      return undefined;
    }
    const c = this.cached;
    const due = stateDue(c?.status, interfaceSetChanged, now(), this.options.stateIntervalMs);
    if (!due && c) return { ...c, status: { ...c.status, ranThisCycle: false } };
    // Not visible from here (another PID namespace, no forwarder yet): nothing to read, not a failure.
    const target = namespaceOf();
    if (target === undefined) {
      this.cached = undefined;
      return undefined;
    }
    const started = now();
    const timeoutMs = Math.min(this.options.commandTimeoutMs, deadlineAt - started);
    const base = { command: COMMAND.id, readAt: started, ranThisCycle: true };
    if (timeoutMs <= 0) {
      this.cached = {
        status: {
          ...base,
          ...DEADLINE_PASSED,
          durationSeconds: 0,
        },
      };
      return this.cached;
    }
    const [result] = await this.options.runner.run(target, [COMMAND], timeoutMs);
    this.unsupportedAt =
      result?.kind === 'failed' && result.error.reason === 'unsupported' ? started : undefined;
    if (!result || result.kind === 'not-recorded' || this.unsupportedAt !== undefined) {
      this.cached = undefined;
      return undefined;
    }
    if (result.kind === 'failed') {
      const e = result.error;
      const message = failureMessage(e, this.options.commandTimeoutMs, timeoutMs);
      this.cached = {
        status: {
          ...base,
          state: 'failed',
          failure: e.reason,
          message,
          durationSeconds: result.durationSeconds,
        },
      };
      return this.cached;
    }
    const outcome = judgeParse(result.text, parseIpLinkJson(result.text), (v) => v.links.length === 0);
    if (!outcome.ok) {
      this.cached = { status: { ...base, ...outcome.failure, durationSeconds: result.durationSeconds } };
      return this.cached;
    }
    this.cached = {
      status: { ...base, state: 'ok', durationSeconds: result.durationSeconds, report: outcome.report },
      links: outcome.value.links,
    };
    return this.cached;
  }
}
