import type { PodForm } from '../parsers/linux/records.ts';

/**
 * A read-only command run in a Meridio pod's network namespace. `tool`, `options` and `args` are the
 * argv; `id` is the same command as one line, which is also its name in logs, labels and replay files.
 * Nothing outside this list is ever run, and nothing from a pod, label or output is ever added to it.
 */
export interface PodCommand {
  id: string;
  /** The output form it belongs to: the exporter prefers json, then text, then proc. */
  forms: readonly PodForm[];
  tool: 'ip' | 'bridge' | 'cat';
  options: readonly string[];
  args: readonly string[];
}

function command(forms: readonly PodForm[], tool: PodCommand['tool'], line: string): PodCommand {
  const words = line.split(' ');
  const options = words.filter((w) => w.startsWith('-'));
  const args = words.filter((w) => !w.startsWith('-'));
  return { id: `${tool} ${line}`, forms, tool, options, args };
}

const JSON_FORM = ['json'] as const;
const TEXT_FORM = ['text'] as const;

export const POD_COMMANDS = {
  linkJson: command(JSON_FORM, 'ip', '-json -stats -details link show'),
  addrJson: command(JSON_FORM, 'ip', '-json addr show'),
  rule4Json: command(JSON_FORM, 'ip', '-json -4 rule show'),
  rule6Json: command(JSON_FORM, 'ip', '-json -6 rule show'),
  route4Json: command(JSON_FORM, 'ip', '-json -4 route show table all'),
  route6Json: command(JSON_FORM, 'ip', '-json -6 route show table all'),
  neighJson: command(JSON_FORM, 'ip', '-json neigh show'),
  fdbJson: command(JSON_FORM, 'bridge', '-json fdb show'),
  addrText: command(TEXT_FORM, 'ip', 'addr show'),
  rule4Text: command(TEXT_FORM, 'ip', '-4 rule show'),
  rule6Text: command(TEXT_FORM, 'ip', '-6 rule show'),
  route4Text: command(TEXT_FORM, 'ip', '-4 route show table all'),
  route6Text: command(TEXT_FORM, 'ip', '-6 route show table all'),
  neighText: command(TEXT_FORM, 'ip', 'neigh show'),
  fdbText: command(TEXT_FORM, 'bridge', 'fdb show'),
  procNetDev: command(['text', 'proc'], 'cat', '/proc/net/dev'),
  sysClassNetAddress: command(['proc'], 'cat', '/sys/class/net/*/address'),
  procNetArp: command(['proc'], 'cat', '/proc/net/arp'),
} as const satisfies Record<string, PodCommand>;

export const POD_COMMAND_LIST: readonly PodCommand[] = Object.values(POD_COMMANDS);

const BY_ID: ReadonlyMap<string, PodCommand> = new Map(POD_COMMAND_LIST.map((c) => [c.id, c]));

export class ForbiddenPodCommandError extends Error {
  constructor(command: string) {
    super(`refusing to run a command outside the pod allowlist: ${JSON.stringify(command)}`);
    this.name = 'ForbiddenPodCommandError';
  }
}

/** The allowlisted command itself (not a look-alike object), or an error. */
export function assertAllowedPodCommand(command: PodCommand): PodCommand {
  const known = BY_ID.get(command.id);
  if (known !== command) throw new ForbiddenPodCommandError(command.id);
  return known;
}

export const FORMS: readonly PodForm[] = ['json', 'text', 'proc'];

const BY_FORM: ReadonlyMap<PodForm, readonly PodCommand[]> = new Map(
  FORMS.map((f) => [f, POD_COMMAND_LIST.filter((c) => c.forms.includes(f))]),
);

/** The commands of one output form, in allowlist order (computed once, read every cycle per pod). */
export function commandsOfForm(form: PodForm): readonly PodCommand[] {
  return BY_FORM.get(form) ?? [];
}

/** Replay file name of a command: lower-case words and path parts joined by `-` (`ip-json-4-rule-show`). */
export function podCommandSlug(id: string): string {
  return id
    .toLowerCase()
    .replace(/\*/g, '')
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
