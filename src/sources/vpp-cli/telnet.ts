/** TELNET bytes VPP's CLI server uses (RFC 854, 1091). */
export const IAC = 0xff;
export const SB = 0xfa;
export const SE = 0xf0;
export const WILL = 0xfb;
export const DONT = 0xfe;
export const TTYPE = 0x18;
export const TTYPE_SEND = 0x01;
export const TTYPE_IS = 0x00;

/** IAC SB TERMINAL-TYPE IS "vppctl" IAC SE: the one name that makes VPP's session non-interactive. */
export const TTYPE_VPPCTL = Buffer.from([IAC, SB, TTYPE, TTYPE_IS, ...Buffer.from('vppctl'), IAC, SE]);

export interface TelnetPrefix {
  /** Bytes consumed by complete TELNET sequences at the start of the buffer. */
  consumed: number;
  /** True when the buffer ends inside a sequence: wait for more bytes. */
  incomplete: boolean;
  /** True when a complete `IAC SB TTYPE SEND IAC SE` was among the consumed bytes. */
  ttypeRequested: boolean;
}

/**
 * Consume the TELNET negotiation at the start of `buf`. Only the greeting is parsed: VPP does not
 * escape 0xff in command output, so once output starts every byte is data.
 */
export function consumeTelnetPrefix(buf: Buffer): TelnetPrefix {
  let i = 0;
  let ttypeRequested = false;
  while (i < buf.length && buf[i] === IAC) {
    if (i + 1 >= buf.length) return { consumed: i, incomplete: true, ttypeRequested };
    const cmd = buf[i + 1] as number;
    if (cmd >= WILL && cmd <= DONT) {
      if (i + 2 >= buf.length) return { consumed: i, incomplete: true, ttypeRequested };
      i += 3;
      continue;
    }
    if (cmd === SB) {
      let j = i + 2;
      while (j + 1 < buf.length && !(buf[j] === IAC && buf[j + 1] === SE)) j++;
      if (j + 1 >= buf.length) return { consumed: i, incomplete: true, ttypeRequested };
      if (buf[i + 2] === TTYPE && buf[i + 3] === TTYPE_SEND) ttypeRequested = true;
      i = j + 2;
      continue;
    }
    i += 2;
  }
  return { consumed: i, incomplete: false, ttypeRequested };
}
