/**
 * VPP reports a failed command as ordinary text on the same stream, with no status code
 * (`show: unknown input `tap'`, `show vxlan tunnel: parse error: 'x'`, `No such …`). Recognise those
 * shapes so that a collector reports a command error instead of parsing garbage.
 */
const ERROR_SHAPES = [
  /^[a-z][\w -]*: unknown input `.*'\s*$/,
  /^[a-z][\w -]*: parse error: .*$/,
  /^[a-z][\w -]*: (?:No such|not supported|not enabled|missing|invalid) .*$/i,
  /^[a-z][\w -]*: .* not in use\s*$/,
  /^unknown input `.*'\s*$/,
];

/** The error VPP printed instead of the command's output, or undefined when the output looks normal. */
export function detectVppError(output: string): string | undefined {
  const first = output.split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (first === '') return undefined;
  return ERROR_SHAPES.some((re) => re.test(first)) ? first : undefined;
}

/**
 * What is wrong with an output that arrived whole: VPP's in-band error, or a last line without its end
 * (VPP ends every output line with CRLF, so output that stops mid-line was cut on the way).
 */
export function vppOutputFailure(
  output: string,
): { failure: 'command-error' | 'truncated-output'; message: string } | undefined {
  const error = detectVppError(output);
  if (error) return { failure: 'command-error', message: error };
  if (output.trim() !== '' && !output.endsWith('\n')) {
    return { failure: 'truncated-output', message: 'output ends in the middle of a line' };
  }
  return undefined;
}
