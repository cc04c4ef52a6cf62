import type { Parsed, ParseReport } from '../parsers/parse-report.ts';

/**
 * How every command's outcome is judged, for VPP's commands, VPP's namespace links and the pods'
 * commands alike: the words and the rules live here once.
 */

/** A command that never ran because the cycle's time was spent. */
export const DEADLINE_PASSED = {
  state: 'failed',
  failure: 'timeout',
  message: 'the cycle deadline passed before this command ran',
} as const;

export type ParseOutcome<T> =
  | { ok: true; value: T; report: ParseReport }
  | { ok: false; failure: { state: 'failed'; failure: 'parse'; message: string; report: ParseReport } };

/**
 * A parsed output, or a `parse` failure when the output was not empty and nothing of it was
 * understood (a command that answers in a form the parser does not know must not read as "nothing").
 */
export function judgeParse<T>(
  text: string,
  parsed: Parsed<T>,
  isEmpty: (value: T) => boolean,
): ParseOutcome<T> {
  if (text.trim() !== '' && isEmpty(parsed.value) && parsed.report.unparsedLines > 0) {
    const first = parsed.report.firstUnparsed;
    const where = first ? ` (first: line ${first.lineNo}: ${JSON.stringify(first.text)})` : '';
    return {
      ok: false,
      failure: {
        state: 'failed',
        failure: 'parse',
        message: `no line of the output was understood${where}`,
        report: parsed.report,
      },
    };
  }
  return { ok: true, value: parsed.value, report: parsed.report };
}
