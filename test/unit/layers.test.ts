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

  it('the path, the configuration and discovery do not reach up into the cycle or the sources', () => {
    const upward = [
      ...importsOf('path').filter((i) => /-> \.\.\/cycle\//.test(i)),
      ...importsOf('config').filter((i) => /-> \.\.\/cycle\//.test(i)),
      ...importsOf('discovery').filter((i) => /-> \.\.\/sources\//.test(i)),
    ];
    assert.deepEqual(upward, []);
  });

  it('no two files of the cycle import each other', () => {
    const edges = new Set(importsOf('cycle').map((i) => i.replace(/ -> \.\//, ' -> ')));
    const both = [...edges].filter((e) => {
      const [from, to] = e.split(' -> ') as [string, string];
      return edges.has(`${to} -> ${from}`);
    });
    assert.deepEqual(both, []);
  });
});
