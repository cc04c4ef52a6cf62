import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/**
 * A cron expression (with seconds) that fires every `intervalSeconds`, shifted by a phase derived from
 * the node name, so that the agents of a cluster do not all read at the same second.
 */
export function cronExpression(intervalSeconds: number, phaseKey: string): string {
  const phase = hash(phaseKey);
  // node-cron takes no `start/step` form, so the fire times are listed.
  if (intervalSeconds < 60) return `${steps(phase % intervalSeconds, intervalSeconds, 60)} * * * * *`;
  const minutes = intervalSeconds / 60;
  return `${phase % 60} ${steps(Math.floor(phase / 60) % minutes, minutes, 60)} * * * *`;
}

function steps(start: number, step: number, limit: number): string {
  const out: number[] = [];
  for (let v = start; v < limit; v += step) out.push(v);
  return out.join(',');
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Runs `job` on the cron schedule with no overlap: a cycle still running makes the next one skip. */
export class CycleScheduler {
  private task?: ScheduledTask;
  private running?: Promise<unknown>;

  constructor(
    private readonly expression: string,
    private readonly job: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.task = cron.schedule(this.expression, () => this.runGuarded(), {
      name: 'collection-cycle',
      noOverlap: true,
      logger: {
        info: () => {},
        debug: () => {},
        warn: (message) => this.logger.warn({ schedule: this.expression }, `scheduler: ${message}`),
        error: (message) => this.logger.error({ schedule: this.expression }, `scheduler: ${String(message)}`),
      },
    });
  }

  /** Run one cycle now (used at start so /metrics is ready without waiting for the first tick). */
  runNow(): Promise<unknown> {
    return this.runGuarded();
  }

  private runGuarded(): Promise<unknown> {
    if (this.running) return this.running;
    this.running = this.job()
      .catch((err: unknown) => this.logger.error({ err }, 'collection cycle failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stop scheduling and wait for a running cycle to finish. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    await this.running;
  }
}
