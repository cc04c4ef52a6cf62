import { type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

export interface VppVersion {
  /** The version as VPP prints it, e.g. `26.06-release`, `23.10-rc0~170-g806b14eeb`. */
  version: string;
  /** Build date as printed (ISO since v20.01, `date` output before). */
  buildDate?: string;
}

const VERSION = /^vpp v(\S+)(?: built by .*? at (.+?))?\s*$/;

/** Parse `show version`: one line, `vpp v<ver> built by <user> on <host> at <date>`. */
export function parseShowVersion(text: string): Parsed<VppVersion | undefined> {
  const report = new ReportBuilder();
  let version: VppVersion | undefined;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const m = VERSION.exec(line);
    if (m && !version) {
      version = { version: m[1] as string };
      if (m[2]) version.buildDate = m[2];
    } else {
      report.unparsedLine(i + 1, line);
    }
  }
  return { value: version, report: report.build() };
}
