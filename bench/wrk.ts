// wrk (Debian's `wrk`), the C load client both benches use when it is installed, and its output.
import { execFileSync } from 'node:child_process';

/** wrk's path, or '' when it is not installed (`apt-get install wrk`). */
export function findWrk(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** A percentile of `--latency` output as wrk prints it, such as `12.34ms`. */
export function wrkPercentile(out: string, percent: 50 | 99): string | undefined {
  // Anchored: a `+/- Stdev` column such as 98.99% ends in "99%" too.
  return new RegExp(`^\\s+${percent}%\\s+(\\S+)`, 'm').exec(out)?.[1];
}

/** The `Requests/sec:` line. */
export function wrkRequestsPerSecond(out: string): number {
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
}

/** wrk's latency such as `812.00us`, `12.34ms` or `1.02s`, in ms. */
export function wrkMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!m) return Number.NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as const)[m[2] as 'us' | 'ms' | 's'];
}
