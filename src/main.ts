#!/usr/bin/env node
import { runPathCommand } from './cli/path-command.ts';
import { ConfigError, parseCli } from './config/config.ts';
import { helpText } from './config/help.ts';
import { startExporter } from './exporter.ts';
import { createLogger } from './util/logger.ts';
import { PACKAGE_VERSION } from './util/package-info.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  if (process.argv[2] === 'path') {
    try {
      const code = await runPathCommand(
        process.argv.slice(3),
        process.env,
        createLogger('warn', 'auto'),
        (s) => process.stdout.write(s),
      );
      process.exit(code);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`meridio-path-exporter path: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
  }
  let request: ReturnType<typeof parseCli>;
  try {
    request = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`meridio-path-exporter: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (request.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (request.kind === 'version') {
    process.stdout.write(`meridio-path-exporter ${PACKAGE_VERSION}\n`);
    return;
  }
  const { config } = request;
  const logger = createLogger(config.logLevel, config.logFormat);
  const exporter = await startExporter(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    exporter.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `meridio-path-exporter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
