import { parseIpLinkJson } from '../parsers/linux/ip-link.ts';
import type { PodLink } from '../parsers/linux/records.ts';
import { AF_PACKET_PREFIX, type CommandStatus } from '../snapshot/vpp-snapshot.ts';
import { POD_COMMANDS } from '../sources/pod-commands.ts';
import type { PodSource, PodTarget } from '../sources/pod-source.ts';
import {
  type CommandReading,
  intervalPassed,
  type Judged,
  runCommand,
  StateResults,
} from './command-runner.ts';

/** An af_packet interface is named after the Linux interface it is bound to. */
const COMMAND = POD_COMMANDS.linkJson;
const READING: CommandReading<PodLink[]> = {
  command: COMMAND.id,
  parse: (text) => {
    const { value, report } = parseIpLinkJson(text);
    return { value: value.links, report };
  },
  isEmpty: (links) => links.length === 0,
};

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
  private readonly state: StateResults<'links', PodLink[]>;
  /** When the forwarder's image was found without `ip`: asked again on the state interval only. */
  private unsupportedAt?: number;

  constructor(private readonly options: NamespaceLinksOptions) {
    this.state = new StateResults(options.stateIntervalMs, options.now);
  }

  async read(
    interfaceNames: readonly string[] | undefined,
    namespaceOf: () => PodTarget | undefined,
    interfaceSetChanged: boolean,
    deadlineAt: number,
  ): Promise<{ status: CommandStatus; links?: PodLink[] } | undefined> {
    const { now, stateIntervalMs } = this.options;
    if (!interfaceNames?.some((n) => n.startsWith(AF_PACKET_PREFIX))) {
      this.state.forget('links');
      return undefined;
    }
    const unsupportedAt = this.unsupportedAt;
    if (unsupportedAt !== undefined && !intervalPassed(unsupportedAt, now(), stateIntervalMs))
      return undefined;
    if (!this.state.due('links', interfaceSetChanged)) return this.linksOf(this.state.carried('links'));
    // Not visible from here (another PID namespace, no forwarder yet): nothing to read, not a failure.
    const target = namespaceOf();
    const judged =
      target &&
      (await runCommand(
        READING,
        async (timeoutMs) =>
          (await this.options.runner.run(target, [COMMAND], timeoutMs))[0] ?? { kind: 'not-recorded' },
        { commandTimeoutMs: this.options.commandTimeoutMs, deadlineAt, now },
      ));
    const unsupported = judged?.status.failure === 'unsupported';
    this.unsupportedAt = unsupported ? judged?.status.readAt : undefined;
    if (!judged || unsupported || judged.status.state === 'not-recorded') {
      this.state.forget('links');
      return undefined;
    }
    this.state.keep('links', judged);
    return this.linksOf(judged);
  }

  private linksOf(judged: Judged<PodLink[]> | undefined) {
    return judged && { status: judged.status, ...(judged.value && { links: judged.value }) };
  }
}
