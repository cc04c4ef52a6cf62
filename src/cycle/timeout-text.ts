/**
 * Which limit a timed-out command ran into: the configured command timeout, or the little that was left
 * of the cycle's deadline (a "took over 1 ms" would read as a misconfiguration).
 */
export function timeoutLimit(configuredMs: number, effectiveMs: number): string {
  return effectiveMs < configuredMs
    ? `within the ${Math.round(effectiveMs)} ms left before the cycle's deadline (--collect.interval)`
    : `within ${Math.round(configuredMs)} ms (--collect.command-timeout)`;
}

/** A failure's message, with the limit it ran into when it is a timeout. */
export function failureMessage(
  error: { reason: string; message: string },
  configuredMs: number,
  effectiveMs: number,
): string {
  return error.reason === 'timeout'
    ? `${error.message} ${timeoutLimit(configuredMs, effectiveMs)}`
    : error.message;
}
