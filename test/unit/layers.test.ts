import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const SRC = new URL('../../src/', import.meta.url);

/** Relative imports of every .ts file directly in `dir`, as `file -> import`. */
function importsOf(dir: string): string[] {
  return readdirSync(new URL(dir, SRC))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      [...readFileSync(new URL(`${dir}/${f}`, SRC), 'utf8').matchAll(/^import[^;]*?from '(\.[^']+)'/gms)].map(
        (m) => `${f} -> ${m[1]}`,
      ),
    );
}

describe('module layers', () => {
  it('the exposition primitives (metric definitions, writer, self metrics, cache) import no collector, path or renderer', () => {
    const upward = importsOf('exposition').filter((i) =>
      /-> \.\.\/(collectors|path|render|cycle|server)\//.test(i),
    );
    assert.deepEqual(upward, []);
  });

  it('the collectors do not import the renderers or the cycle', () => {
    const upward = [...importsOf('collectors/vpp'), ...importsOf('collectors/pod')].filter((i) =>
      /-> \.\.\/\.\.\/(render|cycle|server)\//.test(i),
    );
    assert.deepEqual(upward, []);
  });
});
