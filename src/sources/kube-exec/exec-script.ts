/**
 * The fixed shell script that runs several allowlisted commands in one exec, and the splitting of its
 * output back into one result per command.
 *
 * Why a script and not `ip -json -batch -` on stdin: the pod's JSON commands need five different
 * global option sets (`-stats -details`, `-4`, `-6`, none, and `bridge`), which `-batch` cannot change
 * per line, so a batch covers only one of them; and the WebSocket exec protocol before v5 cannot close
 * stdin without closing the whole exec. A script built only from allowlist constants (checked below:
 * no quote, `$`, `;`, `|` or backtick can appear) gives one exec per pod on every protocol version.
 *
 * After command `i`, the script prints `\n@@mpe-end i rc@@\n` on stdout and `\n@@mpe-end i@@\n` on
 * stderr. Markers hold spaces, which neither interface names nor VPP names can, and must appear in
 * order, each exactly once, or the whole output is rejected.
 */

import { SourceError } from '../source-error.ts';
import type { ExecRequest, ExecRunner } from './exec-runner.ts';

/** Words the script may contain: letters, digits, `-`, `.`, `/`, `*` (a glob), `:` and spaces. */
const SAFE_LINE = /^[A-Za-z0-9][A-Za-z0-9 ./*:-]*$/;

export function buildScript(lines: readonly string[]): string {
  return lines
    .map((line, i) => {
      if (!SAFE_LINE.test(line)) throw new Error(`unsafe line for an exec script: ${JSON.stringify(line)}`);
      return `${line}; rc=$?; printf '\\n@@mpe-end ${i} %d@@\\n' "$rc"; printf '\\n@@mpe-end ${i}@@\\n' >&2`;
    })
    .join('\n');
}

export interface ScriptPart {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One part per line of the script, or an error message when the markers are not all there in order. */
export function splitScriptOutput(stdout: string, stderr: string, count: number): ScriptPart[] | string {
  const parts: ScriptPart[] = [];
  let outAt = 0;
  let errAt = 0;
  for (let i = 0; i < count; i++) {
    const outMarker = new RegExp(`\\n@@mpe-end ${i} (\\d{1,3})@@\\n`, 'y');
    const outEnd = stdout.indexOf(`\n@@mpe-end ${i} `, outAt);
    if (outEnd < 0) return `the output stops before the end of command ${i + 1} of ${count}`;
    outMarker.lastIndex = outEnd;
    const m = outMarker.exec(stdout);
    if (!m) return `garbled end marker after command ${i + 1} of ${count}`;
    const errMarker = `\n@@mpe-end ${i}@@\n`;
    const errEnd = stderr.indexOf(errMarker, errAt);
    parts.push({
      exitCode: Number(m[1]),
      stdout: stdout.slice(outAt, outEnd),
      stderr: errEnd < 0 ? '' : stderr.slice(errAt, errEnd),
    });
    outAt = outMarker.lastIndex;
    if (errEnd >= 0) errAt = errEnd + errMarker.length;
  }
  if (stdout.slice(outAt).trim() !== '') return 'unexpected output after the last command';
  return parts;
}

/** A non-zero exit of the exec itself (not of a command in it), with the status message kept whole. */
export class ExecStatusError extends SourceError {
  constructor(readonly statusMessage: string) {
    super('command-error', statusMessage.slice(0, 300));
  }
}

/**
 * Run `lines` as one script in one exec and split the output per line. Rejects with the runner's
 * SourceError, an ExecStatusError, or `closed-early` when the markers are not all there.
 */
export async function runExecScript(
  runner: ExecRunner,
  target: Omit<ExecRequest, 'command'>,
  lines: readonly string[],
  timeoutMs: number,
): Promise<ScriptPart[]> {
  const result = await runner.exec({ ...target, command: ['sh', '-c', buildScript(lines)] }, timeoutMs);
  if (result.exitCode !== 0) throw new ExecStatusError(result.message ?? `exit status ${result.exitCode}`);
  const parts = splitScriptOutput(result.stdout, result.stderr, lines.length);
  if (typeof parts === 'string') throw new SourceError('closed-early', parts);
  return parts;
}
