import { podBaseValues } from '../collectors/pod/collector.ts';
import { POD_COLLECTORS } from '../collectors/pod/index.ts';
import { ExpositionWriter } from '../exposition/writer.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import { yieldToEventLoop } from '../util/yield.ts';

/**
 * Renders the pods of one cycle into one writer, so every family holds the samples of all pods under
 * one HELP/TYPE header, as byte ranges for the cycle to join with its other parts in one copy. Yields
 * between pods so scrapes are served in between.
 */
export async function renderPodParts(pods: readonly PodSnapshot[]): Promise<Buffer[]> {
  const w = new ExpositionWriter();
  // Touch the families in collector order so their order in /metrics does not depend on the first pod.
  for (const pod of pods) {
    const base = podBaseValues(pod);
    for (const collector of POD_COLLECTORS) collector.render(w, pod, base);
    await yieldToEventLoop();
  }
  return w.renderParts();
}
