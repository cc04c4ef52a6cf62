/**
 * The only VPP commands the agent may ever send. All are read-only `show` commands. The CLI executes
 * every input line, `exec`, `quit` and macros included, so nothing outside this list reaches the socket.
 */
export const VPP_COMMANDS = [
  'show version',
  'show interface',
  'show interface addr',
  'show tap',
  'show vxlan tunnel raw',
  'show errors',
] as const;

export type VppCommand = (typeof VPP_COMMANDS)[number];

const ALLOWED: ReadonlySet<string> = new Set(VPP_COMMANDS);

export class ForbiddenCommandError extends Error {
  constructor(command: string) {
    super(`refusing to send a command outside the allowlist: ${JSON.stringify(command)}`);
    this.name = 'ForbiddenCommandError';
  }
}

export function assertAllowedVppCommand(command: string): asserts command is VppCommand {
  if (!ALLOWED.has(command)) throw new ForbiddenCommandError(command);
}

/** The file name a command's output is stored under in a replay directory. */
export function commandSlug(command: string): string {
  return command.trim().split(/\s+/).join('-');
}
