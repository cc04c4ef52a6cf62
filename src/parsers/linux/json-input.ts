import type { ReportBuilder } from '../parse-report.ts';

/**
 * iproute2's `-json` output is one JSON array per command. Anything else (a truncated stream, an
 * error message, garbage) is reported as unparsed and yields no items: parsers never guess.
 */
export function jsonArray(text: string, report: ReportBuilder): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    report.unparsedLine(1, `not JSON (${(err as Error).message}): ${trimmed.slice(0, 80)}`);
    return [];
  }
  if (!Array.isArray(value)) {
    report.unparsedLine(1, `expected a JSON array: ${trimmed.slice(0, 80)}`);
    return [];
  }
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      items.push(item as Record<string, unknown>);
    } else {
      report.unparsedLine(i + 1, `item ${i} is not an object: ${JSON.stringify(item)?.slice(0, 80)}`);
    }
  }
  return items;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A non-negative integer that a JS number holds exactly; larger counters are dropped, not rounded. */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Interface names the kernel accepts: 1–15 bytes, no `/`, `:` or whitespace. */
export function isInterfaceName(name: string | undefined): name is string {
  return name !== undefined && /^[^\s/:]{1,15}$/.test(name);
}

/** A colon-separated Ethernet address (`02:fe:c2:14:ec:dd`), either case. */
export function isMac(text: string | undefined): text is string {
  return text !== undefined && MAC.test(text);
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** The links of an `ip -json link|addr` array that carry a valid `ifname`; the others are reported. */
export function namedLinks(
  text: string,
  report: ReportBuilder,
): { item: Record<string, unknown>; name: string }[] {
  const out: { item: Record<string, unknown>; name: string }[] = [];
  const items = jsonArray(text, report);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const name = str(item.ifname);
    if (isInterfaceName(name)) out.push({ item, name });
    else report.unparsedLine(i + 1, `link without a valid ifname: ${JSON.stringify(item.ifname)}`);
  }
  return out;
}
