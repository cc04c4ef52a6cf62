import { parseCount } from '../../util/numbers.ts';
import { type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

export interface VppErrorCounter {
  node: string;
  reason: string;
  /** `error`, `warn`, `info`, `unknown`; absent before v21.01. */
  severity?: string;
  count: number;
}

// Columns of show_errors since v21.01: "%10lu%=35v%=35s%=10s".
const COUNT_END = 10;
const NODE_END = 45;
const REASON_END = 80;
const SEVERITY_END = 90;
const NAME_WIDTH = 35;
const COUNT_WIDTH = 10;

const HEADER = /^\s*Count\s+Node\s+Reason\b/;
const SEVERITIES = new Set(['error', 'warn', 'info', 'unknown']);
const TOKENS_WITH_SEVERITY = /^\s*(\d+)\s+(\S+)\s+(.*?)\s+(error|warn|info|unknown)\s*$/;
const TOKENS_NO_SEVERITY = /^\s*(\d+)\s+(\S+)\s+(.*?)\s*$/;

interface Row {
  count: string;
  node: string;
  reason: string;
  severity?: string;
  nodeCut: boolean;
  reasonCut: boolean;
}

/**
 * Parse `show errors`. With worker threads VPP prints the rows once per thread with no marker, so rows
 * with the same node, reason and severity are summed. Pure; never throws.
 */
export function parseShowErrors(text: string): Parsed<VppErrorCounter[]> {
  const report = new ReportBuilder();
  const byKey = new Map<string, VppErrorCounter>();
  let sawHeader = false;
  let fixedColumns = false;
  let hasSeverity = true;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    if (!sawHeader && HEADER.test(line)) {
      sawHeader = true;
      hasSeverity = /\bSeverity\b/.test(line);
      fixedColumns = hasSeverity && line.indexOf('Node') === 26 && line.indexOf('Reason') === 60;
      continue;
    }
    if (!sawHeader) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const row = (fixedColumns ? parseFixed(line) : undefined) ?? parseTokens(line, hasSeverity);
    if (!row) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    if (row.nodeCut) report.truncated('error_node', lineNo, row.node);
    if (row.reasonCut) report.truncated('error_reason', lineNo, row.reason);
    // %10lu keeps only the leading 10 digits of a larger count: a full-width count may be wrong.
    if (row.count.length >= COUNT_WIDTH) {
      report.truncated('error_count', lineNo, `${row.node} ${row.reason} ${row.count}`);
      continue;
    }
    const count = parseCount(row.count);
    if (count === undefined) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const key = `${row.node}\u0000${row.reason}\u0000${row.severity ?? ''}`;
    const existing = byKey.get(key);
    if (existing) existing.count += count;
    else {
      const counter: VppErrorCounter = { node: row.node, reason: row.reason, count };
      if (row.severity !== undefined) counter.severity = row.severity;
      byKey.set(key, counter);
    }
  }
  return { value: [...byKey.values()], report: report.build() };
}

function parseFixed(line: string): Row | undefined {
  if (line.length < REASON_END + 2) return undefined;
  const count = line.slice(0, COUNT_END).trim();
  const nodeField = line.slice(COUNT_END, NODE_END);
  const reasonField = line.slice(NODE_END, REASON_END);
  const severity = line.slice(REASON_END, SEVERITY_END).trim();
  const node = nodeField.trim();
  const reason = reasonField.trim();
  if (!/^\d+$/.test(count) || node === '' || /\s/.test(node) || reason === '') return undefined;
  if (!SEVERITIES.has(severity) || line.slice(SEVERITY_END).trim() !== '') return undefined;
  return {
    count,
    node,
    reason,
    severity,
    nodeCut: node.length >= NAME_WIDTH,
    reasonCut: reason.length >= NAME_WIDTH,
  };
}

function parseTokens(line: string, hasSeverity: boolean): Row | undefined {
  const m = (hasSeverity ? TOKENS_WITH_SEVERITY : TOKENS_NO_SEVERITY).exec(line);
  if (!m || (m[3] as string) === '') return undefined;
  const row: Row = {
    count: m[1] as string,
    node: m[2] as string,
    reason: (m[3] as string).replace(/\s+/g, ' '),
    nodeCut: (m[2] as string).length >= NAME_WIDTH,
    reasonCut: hasSeverity && (m[3] as string).length >= NAME_WIDTH,
  };
  if (m[4] !== undefined) row.severity = m[4];
  return row;
}
