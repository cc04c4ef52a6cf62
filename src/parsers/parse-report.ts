/**
 * What a parser could not read. Parsers never guess: a line they do not understand is counted here
 * (with the first one kept for the log) and a fixed-width field VPP may have cut is noted as truncated.
 */
export interface ParseReport {
  unparsedLines: number;
  firstUnparsed?: { lineNo: number; text: string };
  truncated: TruncatedField[];
}

export interface TruncatedField {
  /** Which field was (or may have been) cut, e.g. `interface_name`, `counter_value`. */
  field: string;
  lineNo: number;
  value: string;
}

export interface Parsed<T> {
  value: T;
  report: ParseReport;
}

export class ReportBuilder {
  private unparsed = 0;
  private first?: { lineNo: number; text: string };
  private readonly truncatedFields: TruncatedField[] = [];

  unparsedLine(lineNo: number, text: string): void {
    this.unparsed++;
    // Keep the log line short and printable whatever VPP (or a broken stream) sent.
    if (!this.first) this.first = { lineNo, text: printable(text).slice(0, 200) };
  }

  truncated(field: string, lineNo: number, value: string): void {
    this.truncatedFields.push({ field, lineNo, value: printable(value) });
  }

  build(): ParseReport {
    const report: ParseReport = { unparsedLines: this.unparsed, truncated: this.truncatedFields };
    if (this.first) report.firstUnparsed = this.first;
    return report;
  }
}

/** Split command output into lines, tolerating CRLF, lone CR and a missing final newline. */
export function splitLines(text: string): string[] {
  const lines = text.includes('\r') ? text.split(/\r?\n|\r/) : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The lines of command output that have a visible character, each with its 1-based number in the
 * output (what a parse report names): the loop the Linux text parsers start with. The VPP parsers keep
 * their own index loop: they are the benchmarked path, and these records cost `show interface addr`
 * ≈ 13 % of its parse throughput (bench, alternating runs).
 */
export function contentLines(text: string): { line: string; lineNo: number }[] {
  const out: { line: string; lineNo: number }[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!isBlank(line)) out.push({ line, lineNo: i + 1 });
  }
  return out;
}

/** True when the line has no visible character (no allocation, unlike `trim()`). */
export function isBlank(line: string): boolean {
  return !NON_SPACE.test(line);
}

const NON_SPACE = /\S/;

function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control bytes is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
}
