/**
 * Parse a non-negative decimal integer as VPP prints it. Returns undefined for anything else,
 * including values beyond 2^53 that a JS number cannot hold exactly (we never round a counter).
 */
export function parseCount(text: string): number | undefined {
  const len = text.length;
  if (len === 0 || len > 16) return undefined;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseSignedInt(text: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
