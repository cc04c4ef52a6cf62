import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { metricsTable, settingsTable, TABLE_FILES } from '../tools/readme-tables.ts';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const README = read('README.md');

function between(name: string, text = README, file = 'README'): string {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(text);
  assert.ok(m, `${file} has no ${name} markers`);
  return m[1] as string;
}

describe('README', () => {
  it('lists exactly the metrics the code defines (regenerate: npm run docs:tables)', () => {
    assert.equal(between('metrics-table', read(TABLE_FILES.metrics), TABLE_FILES.metrics), metricsTable());
  });

  it('lists exactly the settings the code accepts', () => {
    assert.equal(between('settings-table'), settingsTable());
  });

  it('opens with the two commands: run the demo, run every test', () => {
    const head = README.split('\n').slice(0, 30).join('\n');
    assert.match(head, /npm ci && npm start/);
    assert.match(head, /scripts\/test-all\.sh/);
  });

  it('is what .ci/run runs', () => {
    assert.match(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8'), /scripts\/test-all\.sh/);
    assert.match(readFileSync(new URL('../../scripts/test-all.sh', import.meta.url), 'utf8'), /npm test/);
  });

  it('stays short, with a table of contents, and speaks to operators only', () => {
    assert.ok(README.split('\n').length <= 300, `${README.split('\n').length} lines`);
    assert.match(README, /^## Contents$/m);
    for (const file of [
      'README.md',
      ...readdirSync(new URL('../../docs/', import.meta.url))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ]) {
      const text = read(file);
      assert.doesNotMatch(text, /\b(issue \d|brief|this session|this machine|this project's)\b/i, file);
      for (const [, target] of text.matchAll(/\]\(((?:\.\.\/)?(?:docs\/)?[a-z-]+\.md)(?:#[^)]*)?\)/g)) {
        const base = file.startsWith('docs/') ? '../../docs/' : '../../';
        assert.ok(existsSync(new URL(`${base}${target}`, import.meta.url)), `${file} links to ${target}`);
      }
    }
  });
});
