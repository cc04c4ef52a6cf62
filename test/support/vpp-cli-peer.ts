import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

/** The 36 bytes VPP sends on accept (telnet options, TTYPE SEND, NAWS), as in the v26.06 transcript. */
export const VPP_GREETING = Buffer.from([
  0xff, 0xfc, 0x22, 0xff, 0xfe, 0x22, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x03, 0xff, 0xfb, 0x01, 0xff, 0xfe, 0x01,
  0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 0xff, 0xfd, 0x1f, 0xff, 0xfa, 0x1f, 0x01, 0xff, 0xf0,
]);

const BANNER =
  '\r\x1b[1m\x1b[31m    _______    _     \x1b[0m   _   _____  ___ \r\n' +
  '\x1b[1m\x1b[31m __/ __/ _ \\  (_)__ \x1b[0m   | | / / _ \\/ _ \\\r\n' +
  '\x1b[1m\x1b[31m _/ _// // / / / _ \\\x1b[0m   | |/ / ___/ ___/\r\n' +
  '\x1b[1m\x1b[31m /_/ /____(_)_/\\___/\x1b[0m   |___/_/  /_/    \r\n\r\nvpp# ';

export interface PeerBehaviour {
  /** Output per command, with LF line ends; the peer sends CRLF like VPP. */
  responses: Record<string, string>;
  /** Split every write into chunks of this many bytes (with a short pause between them). */
  chunkSize?: number;
  /** Send the greeting in two halves with a pause, as a slow server might. */
  splitGreeting?: boolean;
  /** Never answer commands. */
  hang?: boolean;
  /** Send this many bytes of the output, then close the connection. */
  closeAfterBytes?: number;
  /** Send no greeting at all (`unix { cli-line-mode }`). */
  lineMode?: boolean;
  /** Leak the banner and a prompt into a vppctl session, as VPP <= 21.06 could. */
  leakBanner?: boolean;
}

/**
 * A test peer that plays VPP's side of the CLI socket: greeting, TERMINAL-TYPE handling (only
 * `vppctl` makes the session non-interactive; otherwise banner, echo and prompt after one second),
 * CRLF output, one NUL after each input, and `quit` answered by a NUL and a close.
 */
export class VppCliPeer {
  private server?: Server;
  readonly received: Buffer[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    public behaviour: PeerBehaviour,
  ) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.path, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    rmSync(this.path, { force: true });
  }

  /** Everything clients sent, concatenated. */
  receivedBytes(): Buffer {
    return Buffer.concat(this.received);
  }

  private session(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const b = this.behaviour;
    let interactive = true;
    let ttypeSeen = false;
    let pending = Buffer.alloc(0);
    const send = (data: Buffer | string) =>
      this.write(socket, Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'));
    if (!b.lineMode) {
      if (b.splitGreeting) {
        socket.write(VPP_GREETING.subarray(0, 23));
        setTimeout(() => socket.writable && socket.write(VPP_GREETING.subarray(23)), 30);
      } else socket.write(VPP_GREETING);
    } else {
      interactive = false;
      ttypeSeen = true;
    }
    const failsafe = setTimeout(() => {
      if (!ttypeSeen) send(BANNER);
    }, 1000);
    socket.on('close', () => clearTimeout(failsafe));
    socket.on('data', (data) => {
      this.received.push(data);
      pending = Buffer.concat([pending, data]);
      // IAC SB TTYPE IS <name> IAC SE
      const sb = pending.indexOf(Buffer.from([0xff, 0xfa, 0x18, 0x00]));
      if (sb >= 0) {
        const se = pending.indexOf(Buffer.from([0xff, 0xf0]), sb);
        if (se < 0) return;
        const term = pending.subarray(sb + 4, se).toString('latin1');
        ttypeSeen = true;
        interactive = !'vppctl'.toLowerCase().startsWith(term.toLowerCase()) || term === '';
        pending = Buffer.concat([pending.subarray(0, sb), pending.subarray(se + 2)]);
        if (b.leakBanner) send(BANNER);
      }
      if (b.hang) return;
      const nl = pending.lastIndexOf(0x0a);
      if (nl < 0) return;
      const input = pending.subarray(0, nl + 1).toString('latin1');
      pending = pending.subarray(nl + 1);
      const commands = input
        .split('\n')
        .map((l) => l.replaceAll('\u0000', '').replace(/\r$/, '').trim())
        .filter((l) => l !== '');
      if (commands.includes('quit')) {
        send(Buffer.from([0]));
        setTimeout(() => socket.end(), 5);
        return;
      }
      let out = '';
      for (const cmd of commands) {
        const response = this.behaviour.responses[cmd];
        out += response === undefined ? `show: unknown input \`${cmd.replace(/^show /, '')}'\n` : response;
        if (response === undefined) break;
      }
      const crlf = out.replace(/\r?\n/g, '\r\n');
      if (interactive) send(`${commands.join('\r\n')}\r\n${crlf}vpp# `);
      else if (b.leakBanner) send(`${crlf}vpp# \u0000`);
      else send(`${crlf}\u0000`);
    });
  }

  private write(socket: Socket, data: Buffer): void {
    const b = this.behaviour;
    if (b.closeAfterBytes !== undefined) {
      socket.write(data.subarray(0, b.closeAfterBytes));
      setTimeout(() => socket.destroy(), 10);
      return;
    }
    if (!b.chunkSize) {
      socket.write(data);
      return;
    }
    let offset = 0;
    const next = () => {
      if (offset >= data.length || socket.destroyed) return;
      socket.write(data.subarray(offset, offset + (b.chunkSize as number)));
      offset += b.chunkSize as number;
      setImmediate(next);
    };
    next();
  }
}
