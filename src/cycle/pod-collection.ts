import type { Logger } from 'pino';
import { POD_PARSERS } from '../collectors/pod/index.ts';
import type { PodData, PodForm } from '../parsers/linux/records.ts';
import { boundPodData } from '../snapshot/bound-pod-data.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';
import { commandsOfForm, FORMS } from '../sources/pod-commands.ts';
import type { CommandResult, PodSource, PodTarget } from '../sources/pod-source.ts';
import { yieldToEventLoop } from '../util/yield.ts';
import { CommandLog } from './command-log.ts';
import { type CommandReading, deadlinePassed, judgeResult, timeLeftMs } from './command-runner.ts';

export interface PodCollectionOptions {
  node: string;
  /** Deadline of all commands of one pod. */
  commandTimeoutMs: number;
  logger: Logger;
  /** Keep the local routing table, link-local multicast neighbours and multicast FDB entries. */
  includeLocal: boolean;
  /** Pods read at the same time. */
  concurrency?: number;
  now?: () => number;
}

/** Each pod command's parser, read the way every command is (empty: every list empty). */
const POD_READINGS = new Map<string, CommandReading<Partial<PodData>>>(
  [...POD_PARSERS].map(([command, parser]) => [
    command,
    {
      command,
      parse: (text: string) => parser.parse(text),
      isEmpty: (value: Partial<PodData>) =>
        (Object.values(value) as unknown[][]).every((v) => v.length === 0),
    },
  ]),
);

/**
 * Reads every Meridio pod of the node each cycle. Per pod it uses the first output form that works
 * (iproute2 JSON, then plain text, then /proc) and remembers it; a form whose every command is missing
 * or unsupported is skipped. A command that fails leaves its data out and is counted, never zeroed.
 */
export class PodCollection {
  private readonly formOf = new Map<string, PodForm>();
  private readonly commandLog: CommandLog;
  private readonly now: () => number;

  constructor(
    private readonly source: PodSource,
    private readonly options: PodCollectionOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.commandLog = new CommandLog(options.logger, 'pod');
  }

  /** Stop what the source keeps open between cycles. */
  close(): void {
    this.source.close?.();
  }

  async collect(deadlineAt: number): Promise<PodSnapshot[]> {
    let pods: PodTarget[];
    try {
      pods = await this.source.listPods();
    } catch (err) {
      this.options.logger.warn(
        { source: this.source.kind, err: String(err) },
        'cannot list the Meridio pods',
      );
      return [];
    }
    this.forget(pods);
    const snapshots: PodSnapshot[] = new Array(pods.length);
    let next = 0;
    const worker = async () => {
      while (next < pods.length) {
        const i = next++;
        snapshots[i] = await this.collectPod(pods[i] as PodTarget, deadlineAt);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, pods.length) }, worker));
    return snapshots;
  }

  private async collectPod(target: PodTarget, deadlineAt: number): Promise<PodSnapshot> {
    const key = podKey(target);
    const remembered = this.formOf.get(key);
    const order = remembered ? [remembered, ...FORMS.filter((f) => f !== remembered)] : FORMS;
    const snapshot: PodSnapshot = {
      node: this.options.node,
      target,
      sourceKind: this.source.kind,
      data: {},
      commands: [],
    };
    const inode = await this.source.netnsInode?.(target);
    if (inode !== undefined) snapshot.netnsInode = inode;
    for (const form of order) {
      const commands = commandsOfForm(form);
      const started = this.now();
      const timeoutMs = timeLeftMs(this.options.commandTimeoutMs, deadlineAt, started);
      if (timeoutMs <= 0) {
        for (const c of commands) this.push(snapshot, deadlinePassed(c.id, started));
        return snapshot;
      }
      const results = await this.source.run(target, commands, timeoutMs);
      // A form is in use when one of its own commands answered; a command it shares with a later form
      // (/proc/net/dev in text and proc) does not decide it.
      const rank = FORMS.indexOf(form);
      const usable = results.some(
        (r, i) =>
          (commands[i]?.forms.every((f) => FORMS.indexOf(f) <= rank) ?? false) &&
          (r.kind === 'text' || (r.kind === 'failed' && r.error.reason !== 'unsupported')),
      );
      if (!usable) continue;
      if (remembered !== form) {
        this.formOf.set(key, form);
        if (form !== 'json') {
          this.options.logger.info({ ...podContext(target), form }, 'reading this pod in a fallback form');
        }
      }
      snapshot.form = form;
      await yieldToEventLoop();
      const data: PodData = {};
      const limits = { commandTimeoutMs: this.options.commandTimeoutMs, timeoutMs };
      commands.forEach((c, i) => {
        const reading = POD_READINGS.get(c.id);
        if (!reading) return;
        const { status, value } = judgeResult(reading, results[i] as CommandResult, started, limits);
        this.push(snapshot, status);
        if (!value) return;
        for (const [k, v] of Object.entries(value) as [keyof PodData, unknown[]][]) {
          const existing = data[k] as unknown[] | undefined;
          (data as Record<string, unknown[]>)[k] = existing ? existing.concat(v) : v;
        }
      });
      snapshot.data = boundPodData(data, this.options.includeLocal);
      return snapshot;
    }
    this.formOf.delete(key);
    return snapshot;
  }

  private push(snapshot: PodSnapshot, s: CommandStatus): void {
    snapshot.commands.push(s);
    this.log(snapshot.target, s);
  }

  private log(target: PodTarget, s: CommandStatus): void {
    const ctx = { ...podContext(target), command: s.command, source: this.source.kind };
    this.commandLog.note(`${podKey(target)}\u0000${s.command}`, ctx, s);
  }

  /** Drop what is remembered about pods that are gone, so the maps do not grow with pod churn. */
  private forget(pods: readonly PodTarget[]): void {
    const live = new Set(pods.map(podKey));
    for (const key of this.formOf.keys()) if (!live.has(key)) this.formOf.delete(key);
    this.commandLog.retain((key) => live.has(key.split('\u0000')[0] as string));
  }
}

function podKey(t: PodTarget): string {
  return `${t.namespace}/${t.pod}`;
}

function podContext(t: PodTarget) {
  return { namespace: t.namespace, pod: t.pod };
}
