/**
 * Parse a non-negative decimal integer as VPP prints it. Returns undefined for anything else,
 * including values beyond 2^53 that a JS number cannot hold exactly (we never round a counter).
 */
export function parseCount(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseSignedInt(text: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
