import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { startTestExporter } from '../support/exporter.ts';
import { PROMETHEUS_VERSIONS } from '../support/prometheus.ts';
import { GOLDEN } from '../support/render-demo.ts';

/** Debian's promtool (2.42) and Prometheus 3's (PROMETHEUS_VERSIONS): both lint alike. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const outputs = PROMETHEUS_VERSIONS.map(({ name, promtool }) => {
    const r = spawnSync(promtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    return { name, status: r.status, output: `${r.stdout}${r.stderr}` };
  });
  const [first] = outputs;
  assert.ok(first);
  for (const o of outputs)
    assert.equal(o.status === 0, first.status === 0, `${o.name} disagrees: ${o.output}`);
  return { status: first.status, output: outputs.map((o) => o.output).join('') };
}

describe('promtool check metrics (Prometheus 2.42 and 3)', () => {
  let exporter: RunningExporter;
  before(async () => {
    exporter = await startTestExporter(['--demo=worker-a']);
  });
  after(() => exporter.stop());

  it('passes with no warning on the live /metrics of the demo, self and process metrics included', async () => {
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    assert.match(text, /meridio_path_exporter_build_info/);
    assert.match(text, /process_resident_memory_bytes/);
    const r = promtoolCheck(text);
    assert.equal(r.output, '');
    assert.equal(r.status, 0);
  });

  for (const node of ['worker-a', 'worker-b']) {
    it(`passes with no warning on the golden ${node} exposition`, () => {
      const r = promtoolCheck(readFileSync(GOLDEN(node), 'utf8'));
      assert.equal(r.output, '');
      assert.equal(r.status, 0);
    });
  }

  it('catches a lint problem (the check can fail)', () => {
    const r = promtoolCheck('# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n');
    assert.notEqual(r.status, 0);
  });
});
