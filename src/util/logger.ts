import pino, { type Logger } from 'pino';

/** pino JSON logs; pretty only on a terminal (or when asked), never by NODE_ENV. */
export function createLogger(level: string, format: 'auto' | 'json' | 'pretty'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  // Levels as words ("warn", not 40): what log pipelines and people filter on without a lookup table.
  return pino({ level, formatters: { level: (label) => ({ level: label }) } });
}
