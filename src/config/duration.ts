const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse a Prometheus-style duration (`15s`, `1m`, `1m30s`, `500ms`) to milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}

/** Intervals cron can keep exactly: whole seconds dividing a minute, or whole minutes dividing an hour. */
export function isCronInterval(seconds: number): boolean {
  if (!Number.isInteger(seconds) || seconds <= 0) return false;
  if (seconds < 60) return 60 % seconds === 0;
  return seconds % 60 === 0 && 60 % (seconds / 60) === 0;
}
