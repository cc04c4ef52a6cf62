/** Milliseconds per unit of Go's time.ParseDuration. */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A duration as Go's time.ParseDuration reads it (`1s`, `1.5h`, `1h30m`, `-2m`, `0`), in
 * milliseconds; undefined when Go would refuse it. The exporter toolkit's durations are Go's.
 */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/s.exec(text) as RegExpExecArray;
  const body = m[2] as string;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  let rest = body;
  while (rest !== '') {
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * (UNIT_MS[part[2] as string] as number);
    rest = rest.slice(part[0].length);
  }
  return m[1] === '-' ? -total : total;
}
