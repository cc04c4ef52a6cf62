import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8'));

interface LockEntry {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where npm would find `name` required from the package at `from` (node_modules lookup upwards). */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at === -1 ? '' : dir.slice(0, at);
  }
}

describe('package-lock.json', () => {
  const pkg = read('package.json');
  const lock = read('package-lock.json');
  const packages: Record<string, LockEntry> = lock.packages;

  it("lists package.json's dependencies exactly (npm ci refuses a lockfile that disagrees)", () => {
    const root = packages[''] as LockEntry;
    assert.deepEqual(root.dependencies ?? {}, pkg.dependencies ?? {});
    assert.deepEqual(root.devDependencies ?? {}, pkg.devDependencies ?? {});
  });

  it('holds every dependency of every locked package, optional ones (other platforms) included', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(packages)) {
      const wanted = {
        ...entry.dependencies,
        ...entry.optionalDependencies,
        ...(path === '' ? entry.devDependencies : {}),
      };
      for (const name of Object.keys(wanted)) {
        if (!resolve(packages, path, name)) missing.push(`${path || '(root)'} -> ${name}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
