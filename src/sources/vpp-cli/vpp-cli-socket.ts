import { createConnection, type Socket } from 'node:net';
import { BoundedOutput, MAX_OUTPUT_BYTES } from '../bounded-output.ts';
import { type CommandOutput, namespaceOfPid, type VppSource } from '../command-source.ts';
import { isNamedNetnsPath, netnsInodes } from '../netns-inode.ts';
import type { PodTarget } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import { assertAllowedVppCommand, type VppCommand } from '../vpp-commands.ts';
import { vppServingSocket } from '../vpp-stats/find-segment.ts';
import { cleanVppOutput } from './clean-output.ts';
import { consumeTelnetPrefix, TTYPE_VPPCTL } from './telnet.ts';

export interface VppCliSocketOptions {
  socketPath: string;
  /** Upper bound on one command's output; VPP's largest outputs here are a few MB. */
  maxOutputBytes?: number;
  /**
   * A server configured with `cli-line-mode` sends no greeting. If no TERMINAL-TYPE request arrives
   * within this time the command is sent without one.
   */
  greetingWaitMs?: number;
}

const QUIT = Buffer.from('quit\n');
const NUL = 0;

/**
 * VPP's CLI unix socket spoken natively, the way the stock vppctl does it: one connection per command;
 * answer VPP's TERMINAL-TYPE request with exactly `vppctl` (non-interactive: no banner, prompt, echo or
 * pager); write `"<command>\n\0"` in one write; after the first NUL write `quit\n`; read until VPP
 * closes the socket. The output is everything received with NULs removed. The first NUL alone is not
 * trusted as the end, because some outputs embed NULs (worker thread names).
 */
export class VppCliSocketSource implements VppSource {
  readonly kind = 'vpp-cli-socket';
  readonly location: string;
  private readonly maxOutputBytes: number;
  private readonly greetingWaitMs: number;

  constructor(options: VppCliSocketOptions) {
    this.location = options.socketPath;
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    this.greetingWaitMs = options.greetingWaitMs ?? 500;
  }

  /**
   * Only named namespaces: a `/proc/<pid>/fd/N` path means VPP's PID namespace, which need not be the
   * agent's when the socket is mounted from a container.
   */
  resolveHostNs(paths: readonly string[], timeoutMs: number): Promise<ReadonlyMap<string, number>> {
    return netnsInodes(paths, (p) => (isNamedNetnsPath(p) ? p : undefined), timeoutMs);
  }

  vppPid(): number | undefined {
    return vppServingSocket(this.location);
  }

  vppNamespace(): PodTarget | undefined {
    return namespaceOfPid(this.vppPid());
  }

  async run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    assertAllowedVppCommand(command);
    const raw = await this.exchange(command, timeoutMs);
    return { kind: 'text', text: cleanVppOutput(raw, command) };
  }

  private exchange(command: VppCommand, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket: Socket = createConnection({ path: this.location });
      const output = new BoundedOutput(this.maxOutputBytes);
      let greeting: Buffer | undefined = Buffer.alloc(0);
      let commandSent = false;
      let quitSent = false;
      let settled = false;

      const finish = (err?: SourceError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(greetingTimer);
        socket.destroy();
        const text = err ? '' : output.text();
        output.release();
        if (err) reject(err);
        else resolve(text.replaceAll('\u0000', ''));
      };
      const sendCommand = (withTtype: boolean): void => {
        if (commandSent) return;
        commandSent = true;
        clearTimeout(greetingTimer);
        if (withTtype) socket.write(TTYPE_VPPCTL);
        socket.write(Buffer.from(`${command}\n\0`, 'latin1'));
      };
      const deadline = setTimeout(
        () => finish(new SourceError('timeout', `VPP did not finish "${command}"`)),
        timeoutMs,
      );
      let greetingTimer: NodeJS.Timeout | undefined;

      socket.on('connect', () => {
        greetingTimer = setTimeout(() => sendCommand(false), this.greetingWaitMs);
      });
      socket.on('data', (data: Buffer) => {
        let payload = data;
        if (greeting) {
          // The greeting may arrive split over several reads: parse it as one buffer.
          const pending = Buffer.concat([greeting, data]);
          const prefix = consumeTelnetPrefix(pending);
          if (prefix.ttypeRequested) sendCommand(true);
          if (prefix.incomplete) {
            greeting = pending.subarray(prefix.consumed);
            return;
          }
          payload = pending.subarray(prefix.consumed);
          if (payload.length === 0) {
            greeting = Buffer.alloc(0);
            return;
          }
          // First byte of output: from here on nothing is TELNET.
          greeting = undefined;
          sendCommand(false);
        }
        if (!output.append(payload)) {
          finish(new SourceError('too-large', `"${command}" output exceeds ${this.maxOutputBytes} bytes`));
          return;
        }
        if (!quitSent && commandSent && payload.includes(NUL)) {
          quitSent = true;
          socket.write(QUIT);
        }
      });
      socket.on('end', () => {
        if (!quitSent) {
          finish(new SourceError('closed-early', `VPP closed the CLI socket before "${command}" finished`));
        } else finish();
      });
      socket.on('close', () => {
        if (!quitSent) {
          finish(new SourceError('closed-early', `VPP closed the CLI socket before "${command}" finished`));
        } else finish();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const connectCodes = ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EPERM'];
        if (!commandSent && connectCodes.includes(err.code ?? '')) {
          finish(
            new SourceError('connect', `cannot connect to VPP CLI socket ${this.location}: ${err.code}`),
          );
        } else if (quitSent && err.code === 'ECONNRESET') {
          finish();
        } else {
          finish(new SourceError('io', `VPP CLI socket ${this.location}: ${err.message}`));
        }
      });
    });
  }
}
