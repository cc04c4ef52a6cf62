import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isKubernetesName } from '../util/kubernetes-name.ts';
import type { PodCommand } from './pod-commands.ts';
import { assertAllowedPodCommand, podCommandSlug } from './pod-commands.ts';
import type { CommandResult, PodSource, PodTarget } from './pod-source.ts';
import { readRecording } from './replay.ts';
import type { SourceError } from './source-error.ts';

/**
 * Recorded pod outputs: `<dir>/pods/<namespace>/<pod>/<command slug>.txt`, plus an optional
 * `pod.json` with the pod's role, trench and conduit. The pod list is read again every cycle, so a pod
 * whose folder is removed leaves /metrics at the next cycle. A missing file means "not recorded".
 */
export class ReplayPodSource implements PodSource {
  readonly kind = 'replay';

  constructor(readonly location: string) {}

  async listPods(): Promise<PodTarget[]> {
    const root = join(this.location, 'pods');
    const pods: PodTarget[] = [];
    for (const namespace of await dirs(root)) {
      if (!isKubernetesName(namespace)) continue;
      for (const pod of await dirs(join(root, namespace))) {
        if (!isKubernetesName(pod)) continue;
        pods.push({ namespace, pod, ...(await readMeta(join(root, namespace, pod, 'pod.json'))) });
      }
    }
    return pods;
  }

  async run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<CommandResult[]> {
    const results: CommandResult[] = [];
    for (const c of commands) {
      const t0 = performance.now();
      const seconds = () => (performance.now() - t0) / 1000;
      assertAllowedPodCommand(c);
      const file = join(this.location, 'pods', pod.namespace, pod.pod, `${podCommandSlug(c.id)}.txt`);
      try {
        const text = await readRecording(file, timeoutMs);
        results.push(
          text === undefined ? { kind: 'not-recorded' } : { kind: 'text', text, durationSeconds: seconds() },
        );
      } catch (err) {
        results.push({ kind: 'failed', error: err as SourceError, durationSeconds: seconds() });
      }
    }
    return results;
  }
}

async function dirs(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function readMeta(file: string): Promise<Omit<PodTarget, 'namespace' | 'pod'>> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const meta = JSON.parse(raw) as Record<string, unknown>;
    const out: Omit<PodTarget, 'namespace' | 'pod'> = {};
    for (const key of ['role', 'trench', 'conduit'] as const) {
      const v = meta[key];
      if (typeof v === 'string' && isKubernetesName(v)) out[key] = v;
    }
    return out;
  } catch {
    return {};
  }
}
