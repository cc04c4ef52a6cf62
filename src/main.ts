#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --min-semi-space-size=4 --max-semi-space-size=4 --max-opt=2 --no-memory-reducer
import { runPathCommand } from './cli/path-command.ts';
import { ConfigError, parseCli } from './config/config.ts';
import { helpText } from './config/help.ts';
import { type RunningExporter, startExporter } from './exporter.ts';
import { createLogger } from './util/logger.ts';
import { PACKAGE_VERSION } from './util/package-info.ts';

/** Within this a stop is complete, whatever was running (kubelet's default grace is 30 s). */
const SHUTDOWN_BUDGET_MS = 1800;

/** Flags that choose where the path command reads from; `npm start`'s own `--demo=worker-a` yields to them. */
const SOURCE_FLAGS = /^--(demo|replay|vpp-cli-socket|netns\.pods|kube\.mode|url)(=|$)/;

/**
 * `npm start -- path …` runs `main.ts --demo=worker-a path …`: the subcommand is then the second
 * argument, and the demo is its source unless the command names another.
 */
function pathArgs(argv: readonly string[]): string[] | undefined {
  if (argv[0] === 'path') return argv.slice(1);
  if (argv[1] !== 'path' || !argv[0]?.startsWith('--demo=')) return undefined;
  return withDefaultDemo(argv[0], argv.slice(2));
}

/** `npm start -- --vpp-cli-socket=…` likewise: the demo `npm start` adds yields to a source given after it. */
function exporterArgs(argv: readonly string[]): string[] {
  if (!argv[0]?.startsWith('--demo=')) return [...argv];
  return withDefaultDemo(argv[0], argv.slice(1));
}

function withDefaultDemo(demo: string, rest: readonly string[]): string[] {
  return rest.some((a) => SOURCE_FLAGS.test(a)) ? [...rest] : [demo, ...rest];
}

async function main(): Promise<void> {
  const pathCommand = pathArgs(process.argv.slice(2));
  if (pathCommand) {
    try {
      const code = await runPathCommand(
        pathCommand,
        process.env,
        createLogger('warn', 'auto'),
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(s),
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
    request = parseCli(exporterArgs(process.argv.slice(2)), process.env);
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
  // glibc reads it at process start only; the image, `npm start` and the installed command set it.
  for (const why of config.ignored) logger.warn(why);
  if (process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
    logger.warn(
      'MALLOC_MMAP_THRESHOLD_ is not set: memory freed after a large VPP output may stay with the process (tens of MB); start with MALLOC_MMAP_THRESHOLD_=131072 as the image does',
    );
  }
  // Installed before anything starts: a signal during the first cycle (which may wait on a hung VPP)
  // must stop the process as promptly as one later.
  let exporter: RunningExporter | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A shutdown was asked for: cutting a hung command or a slow client short is still a clean exit.
    const forced = setTimeout(() => {
      logger.warn('shutdown did not finish in time; exiting with work cut short');
      process.exit(0);
    }, SHUTDOWN_BUDGET_MS);
    forced.unref();
    if (!exporter) return;
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
  try {
    exporter = await startExporter(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`meridio-path-exporter: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  logger.info({ cycles: exporter.cycles.completed }, 'first collection cycle done');
  if (stopping) {
    stopping = false;
    shutdown('signal during start-up');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `meridio-path-exporter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
